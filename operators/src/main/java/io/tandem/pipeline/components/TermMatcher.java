package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.doc.Token;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds dictionary terms, multi-word ones included, on normalized tokens; the longest match wins
 * and matches never overlap. Terms come inline (label to terms) and/or from a lexicon TSV ({@code
 * label<TAB>lang<TAB>term}), read from the classpath ({@code classpath:...}) or a file.
 */
public final class TermMatcher implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "terms";
    public static final String SOURCE = "terms";
    public static final String CLASSPATH_PREFIX = "classpath:";

    private final Map<String, List<String>> termsByLabel;
    private final Normalizer normalizer;
    private transient TokenSequences<String> dictionary;

    public TermMatcher(Map<String, List<String>> termsByLabel, Normalizer normalizer) {
        if (termsByLabel.isEmpty()) {
            throw new IllegalArgumentException("Component 'terms' has no terms");
        }
        this.termsByLabel = new LinkedHashMap<>();
        termsByLabel.forEach((label, terms) -> this.termsByLabel.put(label, List.copyOf(terms)));
        this.normalizer = normalizer;
    }

    /** Terms of a lexicon TSV, keeping only the given labels and languages (empty = all). */
    public static Map<String, List<String>> readLexicon(
            String location, Set<String> labels, Set<String> languages) {
        Map<String, List<String>> terms = new LinkedHashMap<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(open(location), StandardCharsets.UTF_8))) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t");
                if (fields.length != 3) {
                    throw new IllegalArgumentException(
                            "Lexicon "
                                    + location
                                    + " line "
                                    + number
                                    + ": expected label<TAB>lang<TAB>term, got '"
                                    + line
                                    + "'");
                }
                if ((labels.isEmpty() || labels.contains(fields[0]))
                        && (languages.isEmpty() || languages.contains(fields[1]))) {
                    terms.computeIfAbsent(fields[0], k -> new ArrayList<>()).add(fields[2]);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read lexicon " + location, e);
        }
        return terms;
    }

    private static InputStream open(String location) throws IOException {
        if (location.startsWith(CLASSPATH_PREFIX)) {
            String resource = location.substring(CLASSPATH_PREFIX.length());
            InputStream in = TermMatcher.class.getClassLoader().getResourceAsStream(resource);
            if (in == null) {
                throw new IllegalArgumentException(
                        "Lexicon resource '" + resource + "' not found on the classpath");
            }
            return in;
        }
        Path path = Path.of(location);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("Lexicon file '" + location + "' does not exist");
        }
        return Files.newInputStream(path);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void open() {
        TokenSequences<String> built = new TokenSequences<>();
        termsByLabel.forEach(
                (label, terms) -> terms.forEach(term -> built.add(term, normalizer, label)));
        dictionary = built;
    }

    @Override
    public void process(Doc doc) {
        if (dictionary == null) {
            open();
        }
        List<Token> tokens = doc.tokens();
        for (TokenSequences.Match<String> match : dictionary.findAll(tokens)) {
            int start = tokens.get(match.start()).start();
            int end = tokens.get(match.start() + match.length() - 1).end();
            doc.entities().add(new Span(start, end, match.value(), SOURCE));
        }
    }

    public Map<String, List<String>> termsByLabel() {
        return termsByLabel;
    }
}
