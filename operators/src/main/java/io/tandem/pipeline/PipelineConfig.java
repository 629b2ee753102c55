package io.tandem.pipeline;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tandem.classifier.SequenceClassifier;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.ner.Aggregation;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.components.NegationQualifier;
import io.tandem.pipeline.components.Normalizer;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.pipeline.components.RegexMatcher;
import io.tandem.pipeline.components.SentenceSegmenter;
import io.tandem.pipeline.components.TermMatcher;
import io.tandem.pipeline.components.Tokenizer;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads a pipeline from JSON or YAML:
 *
 * <pre>{@code
 * components:
 *   - type: tokenizer
 *   - type: terms
 *     lexicon: classpath:io/tandem/lexicon/clinical-terms.tsv
 *     labels: [DISEASE, SYMPTOM]
 * output:
 *   sentences: true   # list each document's sentences (offsets, attributes); default false
 * }</pre>
 *
 * A bad configuration fails with an {@link IllegalArgumentException} naming the key path (for
 * example {@code components[3].patern}) and what was expected. Component types are looked up in a
 * registry that other modules extend with {@link #registerComponentType}.
 */
public final class PipelineConfig {
    public enum Format {
        JSON,
        YAML
    }

    /** Creates a component from its configuration entry. */
    @FunctionalInterface
    public interface ComponentFactory {
        PipelineComponent create(Entry entry);
    }

    private record ComponentType(Set<String> keys, ComponentFactory factory) {}

    private static final Map<String, ComponentType> TYPES = new TreeMap<>();

    static {
        registerComponentType(Tokenizer.NAME, Set.of(), e -> new Tokenizer());
        registerComponentType(SentenceSegmenter.NAME, Set.of(), e -> new SentenceSegmenter());
        registerComponentType(
                Normalizer.NAME,
                Set.of("lowercase", "strip_accents"),
                e -> new Normalizer(e.bool("lowercase", true), e.bool("strip_accents", true)));
        registerComponentType(
                TermMatcher.NAME,
                Set.of("terms", "lexicon", "labels", "languages"),
                PipelineConfig::terms);
        registerComponentType(
                RegexMatcher.NAME,
                Set.of("patterns", "snap_to_tokens"),
                e ->
                        new RegexMatcher(
                                e.stringListMap("patterns", true), e.bool("snap_to_tokens", true)));
        registerComponentType(
                NegationQualifier.NAME,
                Set.of("languages", "cues", "post_cues", "terminators", "max_scope_tokens"),
                PipelineConfig::negation);
        registerComponentType(
                "ner",
                Set.of("model", "labels", "max_length", "stride", "aggregation", "name"),
                PipelineConfig::ner);
        registerComponentType(
                TextEmbedder.TYPE,
                Set.of("model", "pooling", "normalize", "max_length", "stride", "name"),
                PipelineConfig::embeddings);
        registerComponentType(
                SequenceClassifier.TYPE,
                Set.of(
                        "model",
                        "name",
                        "on",
                        "aggregation",
                        "threshold",
                        "labels",
                        "context",
                        "within",
                        "markers",
                        "text_pair",
                        "max_length",
                        "stride"),
                PipelineConfig::classifier);
    }

    private static PipelineComponent classifier(Entry e) {
        if (!e.has("model")) {
            throw new IllegalArgumentException(
                    e.path
                            + ".model: missing; expected a Hugging Face sequence-classification export"
                            + " folder");
        }
        SequenceClassifier.Builder builder =
                SequenceClassifier.builder()
                        .name(e.string("name", SequenceClassifier.TYPE))
                        .model(e.string("model", null))
                        .on(SequenceClassifier.Target.parse(e.string("on", "doc")))
                        .aggregation(
                                SequenceClassifier.Aggregation.parse(
                                        e.string("aggregation", "mean")))
                        .entityLabels(new LinkedHashSet<>(e.stringList("labels")))
                        .textPair(e.bool("text_pair", false))
                        .maxLength(
                                e.positiveInt("max_length", SequenceClassifier.DEFAULT_MAX_LENGTH));
        if (e.has("threshold")) {
            builder.threshold(e.number("threshold"));
        }
        if (e.has("context")) {
            builder.context(e.nonNegativeInt("context"));
        }
        if (e.has("within")) {
            String within = e.string("within", null);
            if (!within.equals("sentence") && !within.equals("doc")) {
                throw new IllegalArgumentException(
                        e.path + ".within: expected sentence or doc, got \"" + within + "\"");
            }
            builder.withinSentence(within.equals("sentence"));
        }
        if (e.has("markers")) {
            builder.markers(e.stringList("markers"));
        }
        if (e.has("stride")) {
            builder.stride(e.nonNegativeInt("stride"));
        }
        return new ModelStep(builder.build());
    }

    private static PipelineComponent embeddings(Entry e) {
        if (!e.has("model")) {
            throw new IllegalArgumentException(
                    e.path + ".model: missing; expected a Hugging Face export folder");
        }
        TextEmbedder.Builder builder =
                TextEmbedder.builder()
                        .name(e.string("name", TextEmbedder.TYPE))
                        .model(e.string("model", null))
                        .pooling(TextEmbedder.Pooling.parse(e.string("pooling", "mean")))
                        .normalize(e.bool("normalize", true))
                        .maxLength(e.positiveInt("max_length", TextEmbedder.DEFAULT_MAX_LENGTH));
        if (e.has("stride")) {
            builder.stride(e.positiveInt("stride", 0));
        }
        return new ModelStep(builder.build());
    }

    private static PipelineComponent ner(Entry e) {
        OnnxTokenClassifier.Builder builder =
                OnnxTokenClassifier.builder().name(e.string("name", "ner"));
        if (e.has("model")) {
            builder.model(e.string("model", null));
        }
        if (e.has("aggregation")) {
            builder.aggregation(Aggregation.parse(e.string("aggregation", null)));
        }
        if (e.has("labels")) {
            builder.labels(e.stringList("labels"));
        }
        if (e.has("max_length")) {
            builder.maxLength(e.positiveInt("max_length", 0));
        }
        if (e.has("stride")) {
            builder.stride(e.positiveInt("stride", 0));
        }
        return new ModelStep(builder.build());
    }

    private PipelineConfig() {}

    /** Makes a component type available to configurations, with the keys its entries may use. */
    public static synchronized void registerComponentType(
            String type, Set<String> keys, ComponentFactory factory) {
        TYPES.put(type, new ComponentType(Set.copyOf(keys), factory));
    }

    public static Pipeline load(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        Format format = name.endsWith(".json") ? Format.JSON : Format.YAML;
        try {
            return fromString(Files.readString(file, StandardCharsets.UTF_8), format);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read pipeline configuration " + file, e);
        }
    }

    public static Pipeline loadResource(String resource) {
        try (InputStream in = PipelineConfig.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException(
                        "Pipeline resource '" + resource + "' not found");
            }
            return fromString(
                    new String(in.readAllBytes(), StandardCharsets.UTF_8),
                    resource.endsWith(".json") ? Format.JSON : Format.YAML);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read pipeline resource " + resource, e);
        }
    }

    public static Pipeline fromString(String text, Format format) {
        ObjectMapper mapper =
                format == Format.JSON ? new ObjectMapper() : new ObjectMapper(new YAMLFactory());
        JsonNode root;
        try {
            root = mapper.readTree(text);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException(
                    "Pipeline configuration is not valid "
                            + format
                            + ": "
                            + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException(
                    "Pipeline configuration: expected an object with 'components'");
        }
        checkKeys(root, "", Set.of("components", "output"), "pipeline");
        JsonNode components = root.get("components");
        if (components == null || !components.isArray()) {
            throw new IllegalArgumentException("components: expected a list of components");
        }
        Pipeline.Builder builder = Pipeline.builder();
        for (int i = 0; i < components.size(); i++) {
            builder.add(create(new Entry(components.get(i), "components[" + i + "]")));
        }
        JsonNode output = root.get("output");
        if (output != null) {
            if (!output.isObject()) {
                throw new IllegalArgumentException(
                        "output: expected an object such as {sentences: true}, got " + output);
            }
            checkKeys(output, "output.", Set.of("sentences"), "output");
            JsonNode sentences = output.get("sentences");
            if (sentences != null && !sentences.isBoolean()) {
                throw new IllegalArgumentException(
                        "output.sentences: expected true or false, got " + sentences);
            }
            builder.outputSentences(sentences != null && sentences.asBoolean());
        }
        return builder.build();
    }

    private static PipelineComponent create(Entry entry) {
        if (!entry.node.isObject()) {
            throw new IllegalArgumentException(entry.path + ": expected an object with a 'type'");
        }
        JsonNode type = entry.node.get("type");
        ComponentType componentType;
        synchronized (PipelineConfig.class) {
            if (type == null || !type.isTextual()) {
                throw new IllegalArgumentException(
                        entry.path + ".type: expected one of " + TYPES.keySet());
            }
            componentType = TYPES.get(type.asText());
            if (componentType == null) {
                throw new IllegalArgumentException(
                        entry.path
                                + ".type: unknown component type '"
                                + type.asText()
                                + "'; expected one of "
                                + TYPES.keySet());
            }
        }
        Set<String> allowed = new LinkedHashSet<>(componentType.keys());
        allowed.add("type");
        checkKeys(entry.node, entry.path + ".", allowed, "component '" + type.asText() + "'");
        try {
            return componentType.factory().create(entry);
        } catch (IllegalArgumentException e) {
            throw e.getMessage().startsWith(entry.path)
                    ? e
                    : new IllegalArgumentException(entry.path + ": " + e.getMessage(), e);
        }
    }

    private static void checkKeys(JsonNode node, String prefix, Set<String> allowed, String what) {
        Iterator<String> names = node.fieldNames();
        while (names.hasNext()) {
            String key = names.next();
            if (!allowed.contains(key)) {
                List<String> expected = new ArrayList<>(allowed);
                expected.remove("type");
                expected.sort(null);
                throw new IllegalArgumentException(
                        prefix
                                + key
                                + ": unknown key for "
                                + what
                                + "; expected one of "
                                + expected);
            }
        }
    }

    private static PipelineComponent terms(Entry e) {
        Map<String, List<String>> terms = new LinkedHashMap<>(e.stringListMap("terms", false));
        String lexicon = e.string("lexicon", null);
        Map<String, Map<String, Integer>> conceptIds = Map.of();
        if (lexicon != null) {
            Set<String> labels = Set.copyOf(e.stringList("labels"));
            Set<String> languages = Set.copyOf(e.stringList("languages"));
            conceptIds = TermMatcher.readConceptIds(lexicon, labels, languages);
            TermMatcher.readLexicon(lexicon, labels, languages)
                    .forEach(
                            (label, list) ->
                                    terms.computeIfAbsent(label, k -> new ArrayList<>())
                                            .addAll(list));
        }
        if (terms.isEmpty()) {
            throw new IllegalArgumentException(
                    e.path + ": no terms; expected 'terms' (label to list of terms) or 'lexicon'");
        }
        return new TermMatcher(terms, conceptIds, new Normalizer());
    }

    private static PipelineComponent negation(Entry e) {
        List<String> languages = e.stringList("languages");
        NegationQualifier defaults =
                NegationQualifier.forLanguages(
                        languages.isEmpty() ? List.of("en", "fr") : languages);
        Map<String, List<String>> cues = e.stringListMap("cues", false);
        Map<String, List<String>> postCues = e.stringListMap("post_cues", false);
        List<String> terminators = e.stringList("terminators");
        int maxScope =
                e.positiveInt("max_scope_tokens", NegationQualifier.DEFAULT_MAX_SCOPE_TOKENS);
        if (cues.isEmpty()
                && postCues.isEmpty()
                && terminators.isEmpty()
                && maxScope == NegationQualifier.DEFAULT_MAX_SCOPE_TOKENS) {
            return defaults;
        }
        List<String> langs = languages.isEmpty() ? List.of("en", "fr") : languages;
        Map<String, List<String>> effectiveCues = new LinkedHashMap<>();
        Map<String, List<String>> effectivePost = new LinkedHashMap<>();
        for (String lang : langs) {
            effectiveCues.put(
                    lang, cues.getOrDefault(lang, NegationQualifier.DEFAULT_CUES.get(lang)));
            effectivePost.put(
                    lang,
                    postCues.getOrDefault(lang, NegationQualifier.DEFAULT_POST_CUES.get(lang)));
        }
        return new NegationQualifier(
                effectiveCues,
                effectivePost,
                terminators.isEmpty() ? NegationQualifier.DEFAULT_TERMINATORS : terminators,
                maxScope);
    }

    /** One component's entry, with typed accessors whose errors name the key path. */
    public static final class Entry {
        private final JsonNode node;
        private final String path;

        Entry(JsonNode node, String path) {
            this.node = node;
            this.path = path;
        }

        public String path() {
            return path;
        }

        public boolean has(String key) {
            return node.has(key) && !node.get(key).isNull();
        }

        public String string(String key, String fallback) {
            if (!has(key)) {
                return fallback;
            }
            JsonNode value = node.get(key);
            if (!value.isTextual()) {
                throw error(key, "a string", value);
            }
            return value.asText();
        }

        public boolean bool(String key, boolean fallback) {
            if (!has(key)) {
                return fallback;
            }
            JsonNode value = node.get(key);
            if (!value.isBoolean()) {
                throw error(key, "true or false", value);
            }
            return value.asBoolean();
        }

        public int positiveInt(String key, int fallback) {
            if (!has(key)) {
                return fallback;
            }
            JsonNode value = node.get(key);
            if (!value.isIntegralNumber()
                    || value.asLong() < 1
                    || value.asLong() > Integer.MAX_VALUE) {
                throw error(key, "a positive integer", value);
            }
            return value.asInt();
        }

        /** A number, integral or not; call only when {@link #has} the key. */
        public double number(String key) {
            JsonNode value = node.get(key);
            if (!value.isNumber()) {
                throw error(key, "a number", value);
            }
            return value.asDouble();
        }

        /** Call only when {@link #has} the key. */
        public int nonNegativeInt(String key) {
            JsonNode value = node.get(key);
            if (!value.isIntegralNumber()
                    || value.asLong() < 0
                    || value.asLong() > Integer.MAX_VALUE) {
                throw error(key, "an integer >= 0", value);
            }
            return value.asInt();
        }

        public List<String> stringList(String key) {
            if (!has(key)) {
                return List.of();
            }
            return stringList(node.get(key), path + "." + key);
        }

        public Map<String, List<String>> stringListMap(String key, boolean required) {
            if (!has(key)) {
                if (required) {
                    throw new IllegalArgumentException(
                            path
                                    + "."
                                    + key
                                    + ": missing; expected a map of label to list of strings");
                }
                return Map.of();
            }
            JsonNode value = node.get(key);
            if (!value.isObject()) {
                throw error(key, "a map of label to list of strings", value);
            }
            Map<String, List<String>> result = new LinkedHashMap<>();
            value.fields()
                    .forEachRemaining(
                            f ->
                                    result.put(
                                            f.getKey(),
                                            stringList(
                                                    f.getValue(),
                                                    path + "." + key + "." + f.getKey())));
            return result;
        }

        private static List<String> stringList(JsonNode value, String where) {
            if (!value.isArray()) {
                throw new IllegalArgumentException(
                        where + ": expected a list of strings, got " + describe(value));
            }
            List<String> result = new ArrayList<>();
            for (int i = 0; i < value.size(); i++) {
                if (!value.get(i).isTextual()) {
                    throw new IllegalArgumentException(
                            where
                                    + "["
                                    + i
                                    + "]: expected a string, got "
                                    + describe(value.get(i)));
                }
                result.add(value.get(i).asText());
            }
            return result;
        }

        private IllegalArgumentException error(String key, String expected, JsonNode value) {
            return new IllegalArgumentException(
                    path + "." + key + ": expected " + expected + ", got " + describe(value));
        }

        private static String describe(JsonNode value) {
            return value.isTextual() ? "\"" + value.asText() + "\"" : value.toString();
        }
    }
}
