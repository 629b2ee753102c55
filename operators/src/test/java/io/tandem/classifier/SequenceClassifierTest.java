package io.tandem.classifier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.pipeline.components.SentenceSegmenter;
import io.tandem.pipeline.components.Tokenizer;
import io.tandem.tensor.TensorMap;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The classifier's four steps on exports whose answers are known ({@link TinyClassifierExport}):
 * labels and scores on documents, windows, sentences and entities, markers and text pairs, single-
 * and multi-label heads, and the start-up checks.
 */
class SequenceClassifierTest {
    @TempDir static Path dir;
    static Path topic;
    static Path negation;
    static Path multiLabel;
    static Path oneLabel;

    @BeforeAll
    static void writeExports() throws Exception {
        topic =
                TinyClassifierExport.write(
                        dir.resolve("topic"), List.of("OTHER", "ASTHMA"), new int[] {-1, 0}, null);
        negation =
                TinyClassifierExport.write(
                        dir.resolve("negation"), List.of("false", "true"), new int[] {-1, 1}, null);
        multiLabel =
                TinyClassifierExport.write(
                        dir.resolve("multi"),
                        List.of("ASTHMA", "NEGATION"),
                        new int[] {0, 1},
                        SequenceClassifier.MULTI_LABEL);
        oneLabel =
                TinyClassifierExport.write(
                        dir.resolve("one"),
                        List.of("NEGATION"),
                        new int[] {1},
                        SequenceClassifier.MULTI_LABEL);
    }

    /** A document after tokenizer and sentences, with entities at each occurrence of a term. */
    private static Doc doc(String text, String... terms) {
        Doc doc = new Doc("d", text, 0, null, null);
        new Tokenizer().process(doc);
        new SentenceSegmenter().process(doc);
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (String term : terms) {
            for (int at = lower.indexOf(term); at >= 0; at = lower.indexOf(term, at + 1)) {
                doc.entities().add(new Span(at, at + term.length(), term.toUpperCase(), "terms"));
            }
        }
        doc.entities().sort(java.util.Comparator.comparingInt(Span::start));
        return doc;
    }

    /** The four steps on one batch, as the CPU task set and the inference subtask run them. */
    private static List<Doc> run(SequenceClassifier classifier, Doc... docs) throws Exception {
        List<ClassifierFeatures> features = new ArrayList<>();
        for (Doc d : docs) {
            features.add(classifier.preprocess(d));
        }
        try (ForwardRunner forward = classifier.openForward(ForwardContext.cpu(1))) {
            TensorMap outputs = forward.forward(classifier.collate(features));
            classifier.postprocess(List.of(docs), features, outputs);
        } finally {
            classifier.close();
        }
        return List.of(docs);
    }

    private static int tokens(SequenceClassifier classifier, String text) {
        return classifier.encoder().tokenizer().encode(text).ids().length
                + classifier.encoder().tokenizer().specials().count();
    }

    private static double rounded(double p) {
        return Math.round(p * 10_000) / 10_000.0;
    }

    @Test
    void aDocumentHeadWritesTheWinningLabelAndItsProbabilityOnTheDocument() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder().name("topic").model(topic.toString()).build();
        String asthma = "Asthma since childhood, well controlled.";
        String other = "Fever since yesterday.";

        List<Doc> docs = run(classifier, doc(asthma), doc(other));

        double p =
                TinyClassifierExport.cueProbabilityAgainstConstant(1, tokens(classifier, asthma));
        assertEquals("ASTHMA", docs.get(0).attributes().get("topic"));
        assertEquals(rounded(p), docs.get(0).attributes().get("topic_score"));
        assertEquals("OTHER", docs.get(1).attributes().get("topic"));
        assertEquals(
                rounded(1 - TinyClassifierExport.cueProbabilityAgainstConstant(0, 1)),
                docs.get(1).attributes().get("topic_score"));
    }

    @Test
    void aLongDocumentsWindowsAreAggregatedByMeanOrMax() throws Exception {
        // Four windows of four pieces; only the first holds the cue.
        String text = "asthma fever fever fever " + "fever fever fever fever ".repeat(3);
        SequenceClassifier.Builder builder =
                SequenceClassifier.builder().name("topic").model(topic.toString()).maxLength(6);
        SequenceClassifier mean = builder.build();
        SequenceClassifier max = builder.aggregation(SequenceClassifier.Aggregation.MAX).build();
        assertEquals(4, mean.preprocess(doc(text)).rowCount());

        Doc byMean = run(mean, doc(text)).get(0);
        Doc byMax = run(max, doc(text)).get(0);

        double withCue = TinyClassifierExport.cueProbabilityAgainstConstant(1, 6);
        double without = TinyClassifierExport.cueProbabilityAgainstConstant(0, 6);
        double meanAsthma = (withCue + 3 * without) / 4;
        assertTrue(meanAsthma < 0.5, "the cue's window alone does not carry the mean");
        assertEquals("OTHER", byMean.attributes().get("topic"));
        assertEquals(rounded(1 - meanAsthma), byMean.attributes().get("topic_score"));
        assertEquals("ASTHMA", byMax.attributes().get("topic"));
        assertEquals(rounded(withCue), byMax.attributes().get("topic_score"));
    }

    @Test
    void aSentenceHeadLabelsEachSentence() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder()
                        .name("topic")
                        .model(topic.toString())
                        .on(SequenceClassifier.Target.SENTENCES)
                        .build();
        Doc doc = doc("Asthma is well controlled. Fever since yesterday. Asthma again.");
        assertEquals(3, doc.sentences().size());

        run(classifier, doc);

        assertEquals(
                List.of("ASTHMA", "OTHER", "ASTHMA"),
                doc.sentences().stream().map(s -> s.attributes().get("topic")).toList());
        assertEquals(
                rounded(
                        TinyClassifierExport.cueProbabilityAgainstConstant(
                                1, tokens(classifier, "Asthma again."))),
                doc.sentences().get(2).attributes().get("topic_score"));
        assertTrue(doc.attributes().isEmpty(), "nothing on the document");
    }

    @Test
    void anEntityHeadAnswersFromTheMarkedContextAndABinaryHeadWritesTrueOrFalse() throws Exception {
        SequenceClassifier.Builder builder =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negation.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .markers(List.of("<", ">"))
                        .context(6);
        String text = "No fever but asthma. Cough.";
        Doc doc = run(builder.build(), doc(text, "fever", "asthma", "cough")).get(0);

        assertEquals(
                List.of(true, false, false),
                doc.entities().stream().map(e -> e.attributes().get("negated")).toList());
        for (Span entity : doc.entities()) {
            assertTrue((double) entity.attributes().get("negated_score") > 0.7, entity.toString());
        }

        // The same entity with more context: a cue in the previous sentence reaches it, unless
        // the context stops at the sentence.
        String twoSentences = "No fever. Asthma is controlled.";
        Doc wide = run(builder.context(100).build(), doc(twoSentences, "asthma")).get(0);
        Doc withinSentence =
                run(builder.context(100).withinSentence(true).build(), doc(twoSentences, "asthma"))
                        .get(0);
        assertEquals(true, wide.entities().get(0).attributes().get("negated"));
        assertEquals(false, withinSentence.entities().get(0).attributes().get("negated"));
    }

    @Test
    void aLabelFilterLeavesOtherEntitiesUntouched() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negation.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .markers(List.of("<", ">"))
                        .entityLabels(Set.of("ASTHMA"))
                        .build();
        Doc doc = run(classifier, doc("No fever, no asthma.", "fever", "asthma")).get(0);

        assertEquals(Map.of(), doc.entities().get(0).attributes());
        assertEquals(true, doc.entities().get(1).attributes().get("negated"));
    }

    @Test
    void aTextPairIsTheEntityThenItsContextWithTypeIdsOneForTheContext() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negation.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .textPair(true)
                        .context(3)
                        .build();
        Doc doc = doc("No fever.", "fever");

        ClassifierFeatures features = classifier.preprocess(doc);
        classifier.close();

        var tokenizer = classifier.encoder().tokenizer();
        int cls = tokenizer.specials().prefix()[0];
        int sep = tokenizer.specials().suffix()[0];
        int no = TinyClassifierExport.tokenizerJson().path("model").path("vocab").get("no").asInt();
        int fever = tokenizer.encode("fever").ids()[0];
        int period = tokenizer.encode(".").ids()[0];
        assertArrayEquals(new int[] {cls, fever, sep, no, fever, period, sep}, features.rowIds(0));
        assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 1}, features.rowTypes(0));
        assertEquals(
                true, run(classifier, doc).get(0).entities().get(0).attributes().get("negated"));
    }

    @Test
    void aMultiLabelHeadWritesTheLabelsAtOrAboveTheThreshold() throws Exception {
        SequenceClassifier several =
                SequenceClassifier.builder().name("flags").model(multiLabel.toString()).build();
        SequenceClassifier one =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(oneLabel.toString())
                        .threshold(0.9)
                        .build();
        assertTrue(several.multiLabel());

        List<Doc> docs = run(several, doc("No asthma."), doc("Asthma."), doc("Fever."));
        List<Doc> answered = run(one, doc("No asthma."), doc("Fever."));

        assertEquals("ASTHMA,NEGATION", docs.get(0).attributes().get("flags"));
        assertEquals("ASTHMA", docs.get(1).attributes().get("flags"));
        assertEquals("", docs.get(2).attributes().get("flags"));
        assertEquals(true, answered.get(0).attributes().get("negated"));
        assertEquals(false, answered.get(1).attributes().get("negated"));
        assertEquals(
                rounded(1 - TinyClassifierExport.cueProbabilityAgainstConstant(0, 1)),
                answered.get(1).attributes().get("negated_score"));
    }

    @Test
    void aDocumentWithoutTargetsTakesOneRowAndGetsNoAttributes() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negation.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .markers(List.of("<", ">"))
                        .build();
        Doc none = doc("Nothing to see.");
        Doc some = doc("No asthma.", "asthma");
        assertEquals(1, classifier.rowsOf(classifier.preprocess(none)));

        run(classifier, none, some);

        assertTrue(none.attributes().isEmpty() && none.entities().isEmpty());
        assertEquals(true, some.entities().get(0).attributes().get("negated"));
    }

    @Test
    void anEntityIsFoundAgainAfterAnEarlierModelOfTheChainAddedEntitiesBeforeIt() throws Exception {
        SequenceClassifier classifier =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negation.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .markers(List.of("<", ">"))
                        .build();
        Doc doc = doc("Aspirin stopped, no asthma.", "asthma");
        ClassifierFeatures features = classifier.preprocess(doc);
        Span drug = new Span(0, 7, "DRUG", "ner");
        doc.entities().add(0, drug);
        try (ForwardRunner forward = classifier.openForward(ForwardContext.cpu(1))) {
            classifier.postprocess(
                    List.of(doc),
                    List.of(features),
                    forward.forward(classifier.collate(List.of(features))));
        } finally {
            classifier.close();
        }

        assertEquals(Map.of(), drug.attributes());
        assertEquals(true, doc.entities().get(1).attributes().get("negated"));
    }

    @Test
    void aMarkerOutsideTheVocabularyIsRefusedAtStartUp() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                SequenceClassifier.builder()
                                        .name("negated")
                                        .model(negation.toString())
                                        .on(SequenceClassifier.Target.ENTITIES)
                                        .markers(List.of("[E]", "[/E]"))
                                        .build());
        assertTrue(
                error.getMessage()
                        .startsWith(
                                "Marker '[E]' of component 'negated' is not in the"
                                        + " vocabulary of "),
                error.getMessage());
        assertTrue(error.getMessage().contains("[[, e, ]]"), error.getMessage());
    }

    @Test
    void aTokenClassificationExportIsRefusedForItsThreeDimensionalLogits() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                SequenceClassifier.builder()
                                        .name("topic")
                                        .model("classpath:io/tandem/models/tiny/")
                                        .build());
        assertTrue(
                error.getMessage()
                        .matches(
                                "Model .*model.onnx returns logits FLOAT\\[-1, -1, 3\\] but"
                                        + " component 'topic' \\(type classifier\\) expects logits"
                                        + " \\[batch, labels\\].*"),
                error.getMessage());
    }

    private static String pipeline(String before, String classifier) {
        return "components:\n"
                + before
                + "  - type: classifier\n    name: negated\n    model: "
                + negation
                + "\n"
                + classifier;
    }

    private static String configError(String yaml) {
        return assertThrows(
                        IllegalArgumentException.class,
                        () -> PipelineConfig.fromString(yaml, PipelineConfig.Format.YAML))
                .getMessage();
    }

    @Test
    void aTargetWithoutItsProducerBeforeItIsRefusedAtStartUp() {
        assertEquals(
                "Component 'negated' (position 1, type classifier) runs on: sentences but no"
                        + " 'sentences' component comes before it",
                configError(pipeline("  - type: tokenizer\n", "    on: sentences\n")));
        assertEquals(
                "Component 'negated' (position 2, type classifier) runs on: entities but no"
                        + " component before it makes entities (terms, regex, ner)",
                configError(
                        pipeline(
                                "  - type: tokenizer\n  - type: sentences\n",
                                "    on: entities\n    markers: ['<', '>']\n")));
    }

    @Test
    void aLabelFilterNamingNoLabelMadeBeforeIsRefusedAtStartUp() {
        String terms =
                "  - type: tokenizer\n  - type: terms\n    terms: {DISEASE: [asthma], SYMPTOM:"
                        + " [fever]}\n";
        assertEquals(
                "Component 'negated' (position 2, type classifier) runs on: entities with labels"
                        + " [DRUG] but the components before it make only [DISEASE, SYMPTOM]",
                configError(
                        pipeline(
                                terms,
                                "    on: entities\n    markers: ['<', '>']\n    labels: [DRUG]\n")));
        // One known label is enough.
        PipelineConfig.fromString(
                pipeline(
                        terms,
                        "    on: entities\n    markers: ['<', '>']\n    labels: [DRUG, DISEASE]\n"),
                PipelineConfig.Format.YAML);
    }

    @Test
    void anEntityTargetNeedsOneWayToMarkTheEntity() {
        assertTrue(
                configError(
                                pipeline(
                                        "  - type: tokenizer\n  - type: terms\n    terms: {D: [a]}\n",
                                        "    on: entities\n"))
                        .contains("expected how to mark the entity, either 'markers'"));
    }
}
