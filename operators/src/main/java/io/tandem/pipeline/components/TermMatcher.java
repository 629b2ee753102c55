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

    /** The span attribute holding the OMOP concept id of a term that has one in the lexicon. */
    public static final String CONCEPT_ID_ATTRIBUTE = "concept_id";

    private final Map<String, List<String>> termsByLabel;
    private final Map<String, Map<String, Integer>> conceptIds;
    private final Normalizer normalizer;
    private transient TokenSequences<Term> dictionary;

    /** What a dictionary entry gives its match: the label, and the concept id or null. */
    private record Term(String label, Integer conceptId) implements java.io.Serializable {}

    public TermMatcher(Map<String, List<String>> termsByLabel, Normalizer normalizer) {
        this(termsByLabel, Map.of(), normalizer);
    }

    /**
     * @param conceptIds by label then term, the concept ids of the terms that have one
     */
    public TermMatcher(
            Map<String, List<String>> termsByLabel,
            Map<String, Map<String, Integer>> conceptIds,
            Normalizer normalizer) {
        if (termsByLabel.isEmpty()) {
            throw new IllegalArgumentException("Component 'terms' has no terms");
        }
        this.termsByLabel = new LinkedHashMap<>();
        termsByLabel.forEach((label, terms) -> this.termsByLabel.put(label, List.copyOf(terms)));
        this.conceptIds = new LinkedHashMap<>();
        conceptIds.forEach((label, ids) -> this.conceptIds.put(label, new LinkedHashMap<>(ids)));
        this.normalizer = normalizer;
    }

    /** Terms of a lexicon TSV, keeping only the given labels and languages (empty = all). */
    public static Map<String, List<String>> readLexicon(
            String location, Set<String> labels, Set<String> languages) {
        Map<String, List<String>> terms = new LinkedHashMap<>();
        readLines(
                location,
                labels,
                languages,
                (fields, number) ->
                        terms.computeIfAbsent(fields[0], k -> new ArrayList<>()).add(fields[2]));
        return terms;
    }

    /**
     * The concept ids of a lexicon TSV's fourth column, by label then term, for the lines that have
     * one: the OMOP concept each term stands for.
     */
    public static Map<String, Map<String, Integer>> readConceptIds(
            String location, Set<String> labels, Set<String> languages) {
        Map<String, Map<String, Integer>> ids = new LinkedHashMap<>();
        readLines(
                location,
                labels,
                languages,
                (fields, number) -> {
                    if (fields.length < 4) {
                        return;
                    }
                    int conceptId;
                    try {
                        conceptId = Integer.parseInt(fields[3].strip());
                    } catch (NumberFormatException e) {
                        throw new IllegalArgumentException(
                                "Lexicon "
                                        + location
                                        + " line "
                                        + number
                                        + ": concept_id '"
                                        + fields[3]
                                        + "' is not an integer");
                    }
                    ids.computeIfAbsent(fields[0], k -> new LinkedHashMap<>())
                            .put(fields[2], conceptId);
                });
        return ids;
    }

    private interface LineConsumer {
        void accept(String[] fields, int lineNumber);
    }

    private static void readLines(
            String location, Set<String> labels, Set<String> languages, LineConsumer consumer) {
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
                if (fields.length != 3 && fields.length != 4) {
                    throw new IllegalArgumentException(
                            "Lexicon "
                                    + location
                                    + " line "
                                    + number
                                    + ": expected label<TAB>lang<TAB>term[<TAB>concept_id], got '"
                                    + line
                                    + "'");
                }
                if ((labels.isEmpty() || labels.contains(fields[0]))
                        && (languages.isEmpty() || languages.contains(fields[1]))) {
                    consumer.accept(fields, number);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read lexicon " + location, e);
        }
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
        TokenSequences<Term> built = new TokenSequences<>();
        termsByLabel.forEach(
                (label, terms) -> {
                    Map<String, Integer> ids = conceptIds.getOrDefault(label, Map.of());
                    terms.forEach(
                            term -> built.add(term, normalizer, new Term(label, ids.get(term))));
                });
        dictionary = built;
    }

    @Override
    public void process(Doc doc) {
        if (dictionary == null) {
            open();
        }
        List<Token> tokens = doc.tokens();
        for (TokenSequences.Match<Term> match : dictionary.findAll(tokens)) {
            int start = tokens.get(match.start()).start();
            int end = tokens.get(match.start() + match.length() - 1).end();
            Span span = new Span(start, end, match.value().label(), SOURCE);
            if (match.value().conceptId() != null) {
                span.attributes().put(CONCEPT_ID_ATTRIBUTE, match.value().conceptId());
            }
            doc.entities().add(span);
        }
    }

    public Map<String, List<String>> termsByLabel() {
        return termsByLabel;
    }
}
