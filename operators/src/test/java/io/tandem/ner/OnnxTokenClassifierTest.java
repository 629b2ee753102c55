package io.tandem.ner;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.BatchStats;
import io.tandem.inference.Device;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxTokenClassifierTest {
    private static final OnnxTokenClassifier TINY = OnnxTokenClassifier.tiny();
    private static ForwardRunner runner;

    @BeforeAll
    static void openRunner() throws Exception {
        runner = TINY.openForward(ForwardContext.cpu(1));
    }

    @AfterAll
    static void closeRunner() throws Exception {
        runner.close();
    }

    private static Doc doc(String text) {
        return new Doc("doc", text, 0, null, null);
    }

    /** Runs the four stages on one batch, as the CPU task set and the inference subtask would. */
    private static List<Doc> run(
            OnnxTokenClassifier classifier, ForwardRunner forward, List<Doc> docs)
            throws Exception {
        List<TokenClassifierFeatures> features = new ArrayList<>();
        for (Doc d : docs) {
            features.add(classifier.preprocess(d));
        }
        TensorMap outputs = forward.forward(classifier.collate(features));
        classifier.postprocess(docs, features, outputs);
        return docs;
    }

    private static List<Span> entities(String text) throws Exception {
        return plain(run(TINY, runner, List.of(doc(text))).get(0).entities());
    }

    /** The spans without their model scores, for comparing positions and labels. */
    static List<Span> plain(List<Span> spans) {
        List<Span> plain = new ArrayList<>();
        for (Span span : spans) {
            plain.add(new Span(span.start(), span.end(), span.label(), span.source()));
        }
        return plain;
    }

    /** Each piece its own word. */
    private static int[] ownWords(int n) {
        int[] words = new int[n];
        for (int i = 0; i < n; i++) {
            words[i] = i;
        }
        return words;
    }

    private static float[][] oneHot(int[] predicted, int labels) {
        float[][] p = new float[predicted.length][labels];
        for (int i = 0; i < predicted.length; i++) {
            p[i][predicted[i]] = 1f;
        }
        return p;
    }

    @Test
    void englishDrugs() throws Exception {
        String text = "Started metformin 500 mg and aspirin.";
        List<Span> entities = entities(text);
        assertEquals(
                List.of(new Span(8, 17, "DRUG", "ner"), new Span(29, 36, "DRUG", "ner")), entities);
        assertEquals("metformin", text.substring(8, 17));
        assertEquals("aspirin", text.substring(29, 36));
    }

    @Test
    void frenchDrugsWithAccentsKeepOriginalOffsets() throws Exception {
        String text = "Traitement par insuline et paracétamol.";
        assertEquals(
                List.of(new Span(15, 23, "DRUG", "ner"), new Span(27, 38, "DRUG", "ner")),
                entities(text));
        assertEquals("paracétamol", text.substring(27, 38));
        String decomposed = "Ibuprofe\u0300ne, warfarine.";
        assertEquals(
                List.of(new Span(0, 11, "DRUG", "ner"), new Span(13, 22, "DRUG", "ner")),
                entities(decomposed));
    }

    @Test
    void everyLexiconDrugIsFoundInBothLanguages() throws Exception {
        String text =
                "metformin insulin aspirin amoxicillin lisinopril atorvastatin warfarin"
                        + " paracetamol ibuprofen salbutamol metformine insuline aspirine"
                        + " amoxicilline paracétamol ibuprofène warfarine atorvastatine";
        List<Span> entities = entities(text);
        String[] words = text.split(" ");
        assertEquals(words.length, entities.size(), entities.toString());
        int at = 0;
        for (int i = 0; i < words.length; i++) {
            assertEquals(new Span(at, at + words[i].length(), "DRUG", "ner"), entities.get(i));
            at += words[i].length() + 1;
        }
    }

    @Test
    void modelSpansOverlappingRuleEntitiesAreDroppedAndTheRestSorted() throws Exception {
        String text = "Fever treated with aspirin and paracetamol.";
        Doc d = doc(text);
        Span fever = new Span(0, 5, "SYMPTOM", "terms");
        Span ruleDrug = new Span(19, 26, "DRUG", "terms");
        d.entities().add(ruleDrug);
        d.entities().add(fever);
        run(TINY, runner, List.of(d));
        assertEquals(
                List.of(fever, ruleDrug, new Span(31, 42, "DRUG", "ner")), plain(d.entities()));
        assertTrue(
                (Double) d.entities().get(2).attributes().get("score") > 0.5,
                d.entities().toString());
    }

    @Test
    void longDocumentGetsTheSameEntitiesAsItsPartsOneByOne() throws Exception {
        OnnxTokenClassifier small = OnnxTokenClassifier.builder().maxLength(16).stride(4).build();
        List<String> parts =
                List.of(
                        "Patient started metformin 500 mg twice daily.",
                        "Traitement par insuline et paracétamol depuis 3 jours.",
                        "No aspirin; warfarin stopped, amoxicillin 1 g given.",
                        "Fièvre et toux sous ibuprofène, salbutamol si besoin.",
                        "Follow up: atorvastatin 40 mg and lisinopril.");
        String text = String.join(" ", parts);
        List<Span> expected = new ArrayList<>();
        int offset = 0;
        try (ForwardRunner forward = small.openForward(ForwardContext.cpu(1))) {
            for (String part : parts) {
                for (Span span : run(small, forward, List.of(doc(part))).get(0).entities()) {
                    expected.add(
                            new Span(
                                    span.start() + offset,
                                    span.end() + offset,
                                    span.label(),
                                    span.source()));
                }
                offset += part.length() + 1;
            }
            Doc whole = doc(text);
            TokenClassifierFeatures features = small.preprocess(whole);
            assertTrue(features.windowCount() > 3, "windows: " + features.windowCount());
            run(small, forward, List.of(whole));
            assertEquals(expected, plain(whole.entities()));
            assertEquals(10, expected.size(), expected.toString());
        }
    }

    @Test
    void paddingRowsDoNotChangeResults() throws Exception {
        String shortText = "Started metformin 500 mg and aspirin.";
        String longText =
                "Traitement par insuline et paracétamol. ".repeat(6) + "Warfarine arrêtée.";
        List<Span> alone = entities(shortText);
        List<Doc> batch = run(TINY, runner, List.of(doc(longText), doc(shortText), doc("")));
        assertEquals(alone, plain(batch.get(1).entities()));
        assertEquals(List.of(), batch.get(2).entities());
        assertEquals(13, batch.get(0).entities().size());
    }

    @Test
    void collatePadsRowsAndKeepsTheRowMappingInFeatures() {
        TokenClassifierFeatures a = TINY.preprocess(doc("aspirin"));
        TokenClassifierFeatures b = TINY.preprocess(doc("Traitement par insuline."));
        TensorMap batch = TINY.collate(List.of(a, b));
        Tensor ids = batch.get("input_ids");
        Tensor mask = batch.get("attention_mask");
        assertArrayEquals(new long[] {2, 7}, ids.shape());
        List<String> v = io.tandem.models.ClinicalVocabulary.build().tokens();
        long cls = v.indexOf("[CLS]");
        long sep = v.indexOf("[SEP]");
        long[] expectedIds = {
            cls,
            v.indexOf("aspi"),
            v.indexOf("##rin"),
            sep,
            0,
            0,
            0,
            cls,
            v.indexOf("traitement"),
            v.indexOf("par"),
            v.indexOf("insu"),
            v.indexOf("##line"),
            v.indexOf("."),
            sep
        };
        assertArrayEquals(expectedIds, ids.longs());
        assertArrayEquals(new long[] {1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1}, mask.longs());
        assertEquals(new BatchStats(2, 7, 11, 14), TINY.batchStats(batch));
        assertEquals(a.tokenCount() + b.tokenCount(), TINY.batchStats(batch).tokens());
    }

    @Test
    void windowsOverlapByStrideAndCoverTheEnd() {
        int[][] w = io.tandem.hf.TransformerEncoder.windows(10, 4, 1);
        assertArrayEquals(new int[] {0, 3, 6}, w[0]);
        assertArrayEquals(new int[] {4, 7, 10}, w[1]);
        int[][] one = io.tandem.hf.TransformerEncoder.windows(4, 4, 1);
        assertArrayEquals(new int[] {0}, one[0]);
        assertArrayEquals(new int[] {4}, one[1]);
        int[][] empty = io.tandem.hf.TransformerEncoder.windows(0, 126, 32);
        assertArrayEquals(new int[] {0}, empty[0]);
        assertArrayEquals(new int[] {0}, empty[1]);
        int[][] defaults = io.tandem.hf.TransformerEncoder.windows(300, 126, 32);
        assertArrayEquals(new int[] {0, 94, 188}, defaults[0]);
        assertArrayEquals(new int[] {126, 220, 300}, defaults[1]);
    }

    @Test
    void eachPieceUsesTheWindowWhereItIsMostCentral() {
        // Windows [0,6) [4,10) [8,12) over 12 pieces.
        TokenClassifierFeatures f =
                new TokenClassifierFeatures(
                        new int[12],
                        new int[12],
                        new int[12],
                        ownWords(12),
                        new int[] {0, 4, 8},
                        new int[] {6, 10, 12},
                        2);
        assertArrayEquals(
                new int[] {0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2},
                io.tandem.hf.TransformerEncoder.mostCentralWindows(f));
    }

    @Test
    void postprocessReadsEachPieceFromItsMostCentralWindowRow() {
        OnnxTokenClassifier small = OnnxTokenClassifier.builder().maxLength(8).stride(2).build();
        Doc first = doc("aspirin");
        Doc second = doc("a b c d e f g h i j k l m n o p");
        TokenClassifierFeatures f1 = small.preprocess(first);
        TokenClassifierFeatures f2 = small.preprocess(second);
        assertEquals(1, f1.windowCount());
        assertEquals(4, f2.windowCount());
        int rows = 5;
        int sequence = 8;
        // Hand-made logits: every position of row 2 (the second document's window 1) says
        // B-DRUG, everything else O. Only pieces read from that row become entities.
        float[] logits = new float[rows * sequence * 3];
        for (int row = 0; row < rows; row++) {
            for (int position = 0; position < sequence; position++) {
                logits[(row * sequence + position) * 3 + (row == 2 ? 1 : 0)] = 1f;
            }
        }
        TensorMap outputs =
                TensorMap.of(Tensor.ofFloats("logits", new long[] {rows, sequence, 3}, logits));
        small.postprocess(List.of(first, second), List.of(f1, f2), outputs);

        assertEquals(List.of(), first.entities());
        int[] window = io.tandem.hf.TransformerEncoder.mostCentralWindows(f2);
        List<Span> expected = new ArrayList<>();
        for (int p = 0; p < f2.pieceCount(); p++) {
            if (window[p] == 1) {
                expected.add(new Span(f2.pieceStart(p), f2.pieceEnd(p), "DRUG", "ner"));
            }
        }
        // Window 1 covers pieces [4, 10); it is the most central one for pieces 5..8.
        assertEquals(4, f2.windowStart(1));
        assertEquals(List.of(5, 6, 7, 8), piecesOf(f2, second.entities()));
        assertEquals(expected, plain(second.entities()));
    }

    private static List<Integer> piecesOf(TokenClassifierFeatures f, List<Span> spans) {
        List<Integer> pieces = new ArrayList<>();
        for (Span span : spans) {
            for (int p = 0; p < f.pieceCount(); p++) {
                if (f.pieceStart(p) == span.start()) {
                    pieces.add(p);
                }
            }
        }
        return pieces;
    }

    @Test
    void bioDecodingStartsSpansOnOrphanInsideAndEndsOnOutsideOrTypeChange() {
        List<String> labels = List.of("O", "B-DRUG", "I-DRUG", "B-DOSE", "I-DOSE");
        int n = 9;
        int[] starts = new int[n];
        int[] ends = new int[n];
        for (int i = 0; i < n; i++) {
            starts[i] = 2 * i;
            ends[i] = 2 * i + 1;
        }
        TokenClassifierFeatures f =
                new TokenClassifierFeatures(
                        new int[n], starts, ends, ownWords(n), new int[] {0}, new int[] {n}, 2);
        // I-DRUG (orphan) I-DRUG | O | B-DRUG | B-DRUG I-DRUG | I-DOSE | I-DRUG | B-DOSE
        int[] predicted = {2, 2, 0, 1, 1, 2, 4, 2, 3};
        assertEquals(
                List.of(
                        new Span(0, 3, "DRUG", "ner"),
                        new Span(6, 7, "DRUG", "ner"),
                        new Span(8, 11, "DRUG", "ner"),
                        new Span(12, 13, "DOSE", "ner"),
                        new Span(14, 15, "DRUG", "ner"),
                        new Span(16, 17, "DOSE", "ner")),
                plain(
                        OnnxTokenClassifier.decode(
                                labels,
                                Aggregation.FIRST,
                                "a b c d e f g h i",
                                f,
                                oneHot(predicted, 5))));
    }

    @Test
    void wordsTakeTheLabelOfTheirFirstPieceSoNoEntityStartsOrEndsInsideAWord() {
        OnnxTokenClassifier classifier = OnnxTokenClassifier.tiny();
        // "Drinks aspirin": continuation pieces labelled I-DRUG inside "Drinks" are no entity.
        String text = "Drinks aspirin";
        TokenClassifierFeatures f = classifier.preprocess(doc(text));
        int n = f.pieceCount();
        int[] predicted = new int[n];
        for (int i = 0; i < n; i++) {
            boolean continuation = i > 0 && f.pieceWord(i) == f.pieceWord(i - 1);
            predicted[i] = continuation ? 2 : f.pieceStart(i) >= 7 ? 1 : 0;
        }
        assertTrue(n > 3, "pieces: " + n);
        assertEquals(
                List.of(new Span(7, 14, "DRUG", "ner")),
                plain(classifier.decode(text, f, oneHot(predicted, 3))));
    }

    @Test
    void bioesAndPlainLabelsGroupWordsAndAggregationsPickTheWordLabel() {
        int n = 4;
        TokenClassifierFeatures f =
                new TokenClassifierFeatures(
                        new int[n],
                        new int[] {0, 2, 4, 6},
                        new int[] {1, 3, 5, 7},
                        new int[] {0, 1, 1, 2},
                        new int[] {0},
                        new int[] {n},
                        2);
        // Word 0: S-DRUG; word 1: pieces E (0.9) and O (0.6) average to E; word 2: E alone.
        float[][] p = {{0, 1, 0}, {0.1f, 0, 0.9f}, {0.6f, 0, 0.4f}, {0, 0, 1}};
        assertEquals(
                List.of(
                        new Span(0, 1, "DRUG", "ner"),
                        new Span(2, 5, "DRUG", "ner"),
                        new Span(6, 7, "DRUG", "ner")),
                plain(
                        OnnxTokenClassifier.decode(
                                List.of("O", "S-DRUG", "E-DRUG"),
                                Aggregation.AVERAGE,
                                "a b c d",
                                f,
                                p)));
        // Plain labels: MAX gives word 1 its surest piece's label (DOSE, 0.9), and the
        // consecutive DOSE words 1 and 2 merge.
        assertEquals(
                List.of(new Span(0, 1, "DRUG", "ner"), new Span(2, 7, "DOSE", "ner")),
                plain(
                        OnnxTokenClassifier.decode(
                                List.of("O", "DRUG", "DOSE"), Aggregation.MAX, "a b c d", f, p)));
    }

    @Test
    void labelsOfAnotherCountThanTheLogitsFailAtBuild() {
        IllegalArgumentException stride =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> OnnxTokenClassifier.builder().maxLength(16).stride(14).build());
        assertTrue(stride.getMessage().contains("14"), stride.getMessage());
        IllegalArgumentException width =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> OnnxTokenClassifier.builder().labels(List.of("O", "DRUG")).build());
        assertEquals(
                "Model classpath:io/tandem/models/tiny/model.onnx returns logits of width 3 but"
                        + " 'labels' has 2 labels [O, DRUG]",
                width.getMessage());
    }

    @Test
    void logitsOfTheWrongShapeAreRejected() {
        TokenClassifierFeatures f = TINY.preprocess(doc("aspirin"));
        TensorMap bad =
                TensorMap.of(Tensor.ofFloats("logits", new long[] {2, 4, 3}, new float[24]));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TINY.postprocess(List.of(doc("aspirin")), List.of(f), bad));
        assertTrue(e.getMessage().contains("rows=1"), e.getMessage());
    }

    @Test
    void closedRunnerFailsClearly() throws Exception {
        ForwardRunner closed = TINY.openForward(ForwardContext.cpu(1));
        closed.close();
        TensorMap batch = TINY.collate(List.of(TINY.preprocess(doc("aspirin"))));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> closed.forward(batch));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void autoWithAGpuIndexStillWorksOnThisCpuOnlyMachine() throws Exception {
        try (ForwardRunner auto = TINY.openForward(new ForwardContext(Device.AUTO, 0, 1))) {
            List<Doc> docs = run(TINY, auto, List.of(doc("Started metformin 500 mg and aspirin.")));
            assertEquals(2, docs.get(0).entities().size());
        }
    }

    @Test
    void survivesJavaSerializationAndReloadsItsTokenizer() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(TINY);
        }
        OnnxTokenClassifier copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (OnnxTokenClassifier) in.readObject();
        }
        assertTrue(bytes.size() < 8192, "serialized component is " + bytes.size() + " bytes");
        String text = "Traitement par insuline et paracétamol.";
        assertEquals(
                entities(text), plain(run(copy, runner, List.of(doc(text))).get(0).entities()));
    }

    @Test
    void benchEncoderRunsThroughTheSameComponent() throws Exception {
        OnnxTokenClassifier bench = OnnxTokenClassifier.builder().model("generated:bench").build();
        try (ForwardRunner forward = bench.openForward(ForwardContext.cpu(0))) {
            List<TokenClassifierFeatures> features =
                    List.of(bench.preprocess(doc("Started metformin 500 mg and aspirin.")));
            TensorMap outputs = forward.forward(bench.collate(features));
            assertArrayEquals(new long[] {1, 13, 3}, outputs.get("logits").shape());
            List<Doc> docs = List.of(doc("Started metformin 500 mg and aspirin."));
            bench.postprocess(docs, features, outputs);
            for (Span span : docs.get(0).entities()) {
                assertEquals("ner", span.source());
            }
        }
    }
}
