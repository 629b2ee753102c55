package io.tandem.sample;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The clinical term lexicon shared with the pipeline's term matcher, read from the classpath so the
 * generated notes contain exactly the terms the pipeline looks for. Format: one {@code
 * label<TAB>lang<TAB>term} per line; blank lines and {@code #} comments are skipped.
 */
final class ClinicalLexicon {
    static final String RESOURCE = "/io/tandem/lexicon/clinical-terms.tsv";

    /** language -> label -> terms, in file order. */
    private final Map<String, Map<String, List<String>>> terms;

    private ClinicalLexicon(Map<String, Map<String, List<String>>> terms) {
        this.terms = terms;
    }

    static ClinicalLexicon load() {
        try (InputStream in = ClinicalLexicon.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("Lexicon " + RESOURCE + " not found on classpath");
            }
            return parse(new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8)));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read lexicon " + RESOURCE, e);
        }
    }

    private static ClinicalLexicon parse(BufferedReader reader) throws IOException {
        Map<String, Map<String, List<String>>> terms = new LinkedHashMap<>();
        String line;
        int lineNumber = 0;
        while ((line = reader.readLine()) != null) {
            lineNumber++;
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] fields = line.split("\t", -1);
            if (fields.length != 3 || fields[2].isBlank()) {
                throw new IllegalStateException(
                        RESOURCE
                                + " line "
                                + lineNumber
                                + ": expected label<TAB>lang<TAB>term, got '"
                                + line
                                + "'");
            }
            terms.computeIfAbsent(fields[1].strip(), lang -> new LinkedHashMap<>())
                    .computeIfAbsent(fields[0].strip(), label -> new ArrayList<>())
                    .add(fields[2].strip());
        }
        return new ClinicalLexicon(terms);
    }

    /** The terms of one label in one language; fails if the lexicon has none. */
    List<String> terms(String language, String label) {
        List<String> found = terms.getOrDefault(language, Map.of()).get(label);
        if (found == null || found.isEmpty()) {
            throw new IllegalStateException(
                    "Lexicon " + RESOURCE + " has no " + label + " terms for language " + language);
        }
        return found;
    }

    /** Every (language, label, term) entry, for checks that no filler text contains a term. */
    Map<String, Map<String, List<String>>> all() {
        return terms;
    }
}
