package io.tandem.job.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.classifier.SequenceClassifier;
import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.models.SequenceHead;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.pipeline.components.NegationQualifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * Sequence-classification heads for the real MiniLM encoder whose answers are known, one per
 * target, each fitted on the encoder's own pooled vectors (centroids, then margin-perceptron
 * passes, as {@link KnownAnswerHead}) and exported as Hugging Face would ({@code model.onnx} with
 * {@code logits [batch, labels]}, {@code config.json} with {@code id2label}, {@code
 * tokenizer.json}):
 *
 * <ul>
 *   <li>the document head ({@code note_topic}, on: doc, mean pooling): the note's topic, {@code
 *       DISEASE} when it mentions asthma, {@code SYMPTOM} when cough, {@code NONE} otherwise;
 *   <li>the sentence head ({@code topic}, on: sentences, mean pooling): the same rule per sentence;
 *   <li>the entity head ({@code negated}, on: entities, pooled at the {@code [E]} marker, which the
 *       export's tokenizer adds): {@code true} when the sentence's template puts a negation cue
 *       before the term, so the same term answers differently in different contexts.
 * </ul>
 *
 * The vectors are read through the classifier itself (a probe export whose head is the identity),
 * so training and run time share the tokenizer, windows, markers and context.
 */
public final class KnownAnswerClassifiers {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static final List<String> TOPICS = List.of("NONE", "DISEASE", "SYMPTOM");
    public static final List<String> MARKERS = List.of("[E]", "[/E]");

    /** Vocabulary ids of MiniLM's {@code [unused0]} and {@code [unused1]}, renamed to markers. */
    private static final int[] MARKER_IDS = {1, 2};

    public static final int CONTEXT = 60;

    /** Rule components that make the sentences and entities the heads read. */
    public static final String RULES =
            "  - type: tokenizer\n"
                    + "  - type: sentences\n"
                    + "  - type: terms\n"
                    + "    terms: {DISEASE: [asthma], SYMPTOM: [cough]}\n";

    private static final String[] SUBJECTS = {
        "The patient", "She", "He", "Her mother", "The child"
    };
    private static final String[] AFFIRMED = {
        "%s has %s.",
        "%s reports %s since last week.",
        "On examination %s was noted.",
        "%s is treated for %s."
    };
    private static final String[] NEGATED = {
        "%s has no %s.",
        "%s denies %s since last week.",
        "On examination no %s was noted.",
        "%s was seen without %s."
    };
    private static final String[] NEUTRAL = {
        "Blood pressure was stable and the abdomen was soft.",
        "Follow-up in three weeks with the family doctor.",
        "%s sleeps well and eats normally.",
        "Laboratory results were within normal limits.",
        "%s walked to the clinic without help."
    };
    private static final String[] TERMS = {null, "asthma", "cough"};

    /** A note and its answers: topic, each sentence's topic, each entity's negation in order. */
    public record Note(
            String text, String topic, List<String> sentenceTopics, List<Boolean> negated) {}

    /** The three fitted exports, and how many training targets each still gets wrong. */
    public record Heads(Path doc, Path sentences, Path entities, int[] wrong, int[] targets) {}

    private KnownAnswerClassifiers() {}

    /** {@code count} notes, a third of each topic; the same for the same seed. */
    public static List<Note> notes(long seed, int count) {
        Random random = new Random(seed);
        List<Note> notes = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            int topic = n % TOPICS.size();
            List<String> sentences = new ArrayList<>();
            List<String> topics = new ArrayList<>();
            List<Boolean> negated = new ArrayList<>();
            int mentions = topic == 0 ? 0 : 2 + random.nextInt(2);
            int neutral = 2 + random.nextInt(2);
            List<Integer> kinds = new ArrayList<>();
            for (int i = 0; i < mentions; i++) {
                kinds.add(1);
            }
            for (int i = 0; i < neutral; i++) {
                kinds.add(0);
            }
            java.util.Collections.shuffle(kinds, random);
            for (int kind : kinds) {
                String subject = SUBJECTS[random.nextInt(SUBJECTS.length)];
                if (kind == 0) {
                    String template = NEUTRAL[random.nextInt(NEUTRAL.length)];
                    sentences.add(template.formatted(subject));
                    topics.add(TOPICS.get(0));
                } else {
                    boolean no = random.nextBoolean();
                    String[] forms = no ? NEGATED : AFFIRMED;
                    String template = forms[random.nextInt(forms.length)];
                    String term = TERMS[topic];
                    sentences.add(
                            template.startsWith("%s")
                                    ? template.formatted(subject, term)
                                    : template.formatted(term));
                    topics.add(TOPICS.get(topic));
                    negated.add(no);
                }
            }
            notes.add(new Note(String.join(" ", sentences), TOPICS.get(topic), topics, negated));
        }
        return notes;
    }

    /** The pipeline: {@link #RULES}, then the entity, sentence and document classifiers. */
    public static String pipelineYaml(Heads heads) {
        return "components:\n"
                + RULES
                + entityClassifier(heads.entities())
                + "  - type: classifier\n    name: topic\n    on: sentences\n    model: "
                + heads.sentences()
                + "\n  - type: classifier\n    name: note_topic\n    on: doc\n    model: "
                + heads.doc()
                + "\n";
    }

    /** The entity classifier's entry; its name is the rule-based negation's attribute. */
    public static String entityClassifier(Path model) {
        return "  - type: classifier\n    name: "
                + NegationQualifier.ATTRIBUTE
                + "\n    on: entities\n    model: "
                + model
                + "\n    markers: [\""
                + MARKERS.get(0)
                + "\", \""
                + MARKERS.get(1)
                + "\"]\n    context: "
                + CONTEXT
                + "\n    within: sentence\n";
    }

    /** Fits the three heads on {@code training} and lays them out under {@code folder}. */
    public static Heads fit(Path miniLm, Path folder, List<Note> training) throws Exception {
        Pipeline rules =
                PipelineConfig.fromString("components:\n" + RULES, PipelineConfig.Format.YAML);
        rules.open();
        List<Doc> docs = new ArrayList<>();
        for (int i = 0; i < training.size(); i++) {
            Doc doc = new Doc("train-" + i, training.get(i).text(), i, null, null);
            rules.process(doc);
            docs.add(doc);
        }
        List<Integer> docTruth = new ArrayList<>();
        List<Integer> sentenceTruth = new ArrayList<>();
        List<Integer> entityTruth = new ArrayList<>();
        for (int i = 0; i < training.size(); i++) {
            Note note = training.get(i);
            docTruth.add(TOPICS.indexOf(note.topic()));
            if (docs.get(i).sentences().size() != note.sentenceTopics().size()) {
                throw new IllegalStateException("Sentences of " + note.text());
            }
            note.sentenceTopics().forEach(t -> sentenceTruth.add(TOPICS.indexOf(t)));
            if (docs.get(i).entities().size() != note.negated().size()) {
                throw new IllegalStateException("Entities of " + note.text());
            }
            note.negated().forEach(no -> entityTruth.add(no ? 1 : 0));
        }
        int[] wrong = new int[3];
        int[] targets = {docTruth.size(), sentenceTruth.size(), entityTruth.size()};
        Path doc =
                head(
                        miniLm,
                        folder.resolve("note-topic"),
                        SequenceHead.Pooling.MEAN,
                        false,
                        SequenceClassifier.builder().on(SequenceClassifier.Target.DOC),
                        docs,
                        docTruth,
                        TOPICS,
                        wrong,
                        0);
        Path sentences =
                head(
                        miniLm,
                        folder.resolve("sentence-topic"),
                        SequenceHead.Pooling.MEAN,
                        false,
                        SequenceClassifier.builder().on(SequenceClassifier.Target.SENTENCES),
                        docs,
                        sentenceTruth,
                        TOPICS,
                        wrong,
                        1);
        Path entities =
                head(
                        miniLm,
                        folder.resolve("negated"),
                        SequenceHead.Pooling.atToken(MARKER_IDS[0]),
                        true,
                        SequenceClassifier.builder()
                                .on(SequenceClassifier.Target.ENTITIES)
                                .markers(MARKERS)
                                .context(CONTEXT)
                                .withinSentence(true),
                        docs,
                        entityTruth,
                        List.of("false", "true"),
                        wrong,
                        2);
        return new Heads(doc, sentences, entities, wrong, targets);
    }

    private static Path head(
            Path miniLm,
            Path folder,
            SequenceHead.Pooling pooling,
            boolean markers,
            SequenceClassifier.Builder probeSettings,
            List<Doc> docs,
            List<Integer> truth,
            List<String> labels,
            int[] wrong,
            int slot)
            throws Exception {
        int hidden = MiniLmExport.HIDDEN;
        float[] identity = new float[hidden * hidden];
        for (int h = 0; h < hidden; h++) {
            identity[h * hidden + h] = 1f;
        }
        List<String> dims = new ArrayList<>();
        for (int h = 0; h < hidden; h++) {
            dims.add("h" + h);
        }
        byte[] encoder = MiniLmExport.onnxBytes();
        Path probe =
                layOut(
                        miniLm,
                        folder.resolveSibling(folder.getFileName() + "-probe"),
                        SequenceHead.attach(encoder, hidden, pooling, identity, new float[hidden]),
                        dims,
                        markers);
        SequenceClassifier classifier = probeSettings.name("probe").model(probe.toString()).build();
        List<float[]> vectors = new ArrayList<>();
        try (ForwardRunner runner = classifier.openForward(ForwardContext.cpu(2))) {
            for (Doc doc : docs) {
                var features = classifier.preprocess(doc);
                boolean hasTargets =
                        switch (classifier.target()) {
                            case DOC -> true;
                            case SENTENCES -> !doc.sentences().isEmpty();
                            case ENTITIES -> !doc.entities().isEmpty();
                        };
                if (!hasTargets) {
                    continue;
                }
                float[] rows =
                        runner.forward(classifier.collate(List.of(features)))
                                .get(SequenceHead.LOGITS)
                                .floats();
                int count = classifier.rowsOf(features);
                int expected =
                        switch (classifier.target()) {
                            case DOC -> 1;
                            case SENTENCES -> doc.sentences().size();
                            case ENTITIES -> doc.entities().size();
                        };
                if (count != expected) {
                    throw new IllegalStateException(
                            count + " rows for " + expected + " targets: " + doc.text());
                }
                for (int r = 0; r < count; r++) {
                    vectors.add(Arrays.copyOfRange(rows, r * hidden, (r + 1) * hidden));
                }
            }
        } finally {
            classifier.close();
        }
        if (vectors.size() != truth.size()) {
            throw new IllegalStateException(
                    vectors.size() + " vectors, " + truth.size() + " answers");
        }
        LinearHead fitted = LinearHead.fit(vectors, truth, labels.size(), hidden);
        wrong[slot] = fitted.wrong();
        return layOut(
                miniLm,
                folder,
                SequenceHead.attach(encoder, hidden, pooling, fitted.weight(), fitted.bias()),
                labels,
                markers);
    }

    /** An export folder: the model, MiniLM's tokenizer (with the markers added), config.json. */
    public static Path layOut(
            Path miniLm, Path folder, byte[] onnx, List<String> labels, boolean markers)
            throws IOException {
        Files.createDirectories(folder);
        Files.write(folder.resolve("model.onnx"), onnx);
        ObjectNode tokenizer =
                (ObjectNode) JSON.readTree(miniLm.resolve("tokenizer.json").toFile());
        if (markers) {
            // As a fine-tuning script adds its markers: unused vocabulary rows, renamed, and
            // added tokens so that the pre-tokenizer never splits them.
            ObjectNode vocab = (ObjectNode) tokenizer.path("model").path("vocab");
            ArrayNode added = (ArrayNode) tokenizer.path("added_tokens");
            for (int m = 0; m < MARKERS.size(); m++) {
                vocab.remove("[unused" + m + "]");
                vocab.put(MARKERS.get(m), MARKER_IDS[m]);
                ObjectNode token = added.addObject();
                token.put("id", MARKER_IDS[m]);
                token.put("content", MARKERS.get(m));
                token.put("single_word", false);
                token.put("lstrip", false);
                token.put("rstrip", false);
                token.put("normalized", false);
                token.put("special", false);
            }
        }
        Files.writeString(folder.resolve("tokenizer.json"), tokenizer.toString());
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "bert");
        config.put("max_position_embeddings", 512);
        config.put("problem_type", "single_label_classification");
        ObjectNode id2label = config.putObject("id2label");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
        }
        Files.writeString(folder.resolve("config.json"), config.toString());
        return folder;
    }

    /** The expected topic of a sentence's text: which term it mentions. */
    public static String topicOf(String sentence) {
        String lower = sentence.toLowerCase(Locale.ROOT);
        for (int t = 1; t < TERMS.length; t++) {
            if (lower.contains(TERMS[t])) {
                return TOPICS.get(t);
            }
        }
        return TOPICS.get(0);
    }

    /** Reads a JSON line. */
    static JsonNode json(String line) throws IOException {
        return JSON.readTree(line);
    }

    /**
     * A linear head on pooled vectors: the class centroids ({@code logit_c = v·μ_c - |μ_c|²/2}),
     * then margin-perceptron passes over the vectors it gets wrong or right by too little.
     */
    record LinearHead(float[] weight, float[] bias, int wrong) {
        private static final int EPOCHS = 60;
        private static final double MARGIN = 4;
        private static final float RATE = 0.5f;

        static LinearHead fit(List<float[]> vectors, List<Integer> truth, int classes, int hidden) {
            double[][] sums = new double[classes][hidden];
            int[] counts = new int[classes];
            for (int i = 0; i < vectors.size(); i++) {
                int c = truth.get(i);
                for (int h = 0; h < hidden; h++) {
                    sums[c][h] += vectors.get(i)[h];
                }
                counts[c]++;
            }
            float[] weight = new float[hidden * classes];
            float[] bias = new float[classes];
            for (int c = 0; c < classes; c++) {
                if (counts[c] == 0) {
                    throw new IllegalStateException("No training vector of class " + c);
                }
                double norm = 0;
                for (int h = 0; h < hidden; h++) {
                    float mean = (float) (sums[c][h] / counts[c]);
                    weight[h * classes + c] = mean;
                    norm += mean * mean;
                }
                bias[c] = (float) (-norm / 2);
            }
            int wrong = 0;
            for (int epoch = 0; epoch < EPOCHS; epoch++) {
                wrong = 0;
                for (int i = 0; i < vectors.size(); i++) {
                    float[] v = vectors.get(i);
                    int expected = truth.get(i);
                    int rival = rival(v, weight, bias, classes, expected);
                    if (rival != expected) {
                        wrong++;
                        for (int h = 0; h < hidden; h++) {
                            weight[h * classes + expected] += RATE * v[h];
                            weight[h * classes + rival] -= RATE * v[h];
                        }
                        bias[expected] += RATE;
                        bias[rival] -= RATE;
                    }
                }
                if (wrong == 0) {
                    break;
                }
            }
            return new LinearHead(weight, bias, wrong);
        }

        /** The best class against {@code expected} handicapped by the margin. */
        private static int rival(
                float[] v, float[] weight, float[] bias, int classes, int expected) {
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < classes; c++) {
                double score = bias[c] - (c == expected ? MARGIN : 0);
                for (int h = 0; h < v.length; h++) {
                    score += v[h] * weight[h * classes + c];
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = c;
                }
            }
            return best;
        }
    }
}
