package io.tandem.serialization;

import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.doc.Token;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.TensorBatch;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.RawRecord;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Records for the serializer tests: hand-made ones covering every field, and real ones. */
final class TestingRecords {
    private TestingRecords() {}

    /** Hand-made documents covering every field and value kind; the same on every call. */
    static List<Doc> handMadeDocs() {
        return handMadeDocs(70_000);
    }

    /**
     * @param longTextChars length of the last document's text; over 65535 it is beyond what {@code
     *     writeUTF} can write
     */
    static List<Doc> handMadeDocs(int longTextChars) {
        List<Doc> docs = new ArrayList<>();
        docs.add(new Doc("empty", "", 0, null, null));

        String text = "Élodie denies fever 🤒. Patient takes ASPIRIN 100 mg.";
        Doc rich =
                new Doc(
                        "rich-1",
                        text,
                        42,
                        SourcePosition.fileLine("/data/notes.jsonl", 7),
                        "{\"lang\":\"fr\"}");
        rich.tokens().add(new Token(0, 6, "elodie")); // written norm
        rich.tokens().add(new Token(7, 13, "denies")); // raw norm
        rich.tokens().add(new Token(14, 19, null)); // no norm
        rich.tokens().add(new Token(20, 22, "🤒"));
        rich.tokens().add(new Token(22, 23, "."));
        rich.tokens().add(new Token(23, 23, "")); // empty token
        rich.tokens().add(new Token(24, 31, "patient"));
        rich.sentences().add(new Sentence(0, 5, 0, 23));
        rich.sentences().add(new Sentence(6, 7, 24, text.length()));
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("negated", true);
        attributes.put("certainty", 0.75);
        attributes.put("count", 3);
        attributes.put("cui", "C0015967");
        attributes.put("offset", 1L << 40);
        attributes.put("missing", null);
        rich.entities().add(new Span(14, 19, "SYMPTOM", "terms", attributes));
        rich.entities().add(new Span(38, 45, "DRUG", "ner", Map.of("negated", false)));
        rich.entities().add(new Span(46, 52, "DOSE", "regex"));
        docs.add(rich);

        // Kafka position (partition >= 0), tokens out of order, a long text.
        String big = "a".repeat(longTextChars) + " é";
        Doc kafka =
                new Doc(
                        "k-9",
                        big,
                        Long.MAX_VALUE,
                        SourcePosition.kafka("notes", 3, 123_456_789L),
                        null);
        kafka.tokens().add(new Token(longTextChars + 1, longTextChars + 2, "e"));
        kafka.tokens().add(new Token(0, longTextChars, null));
        kafka.entities()
                .add(new Span(0, 5, "X", "test", Map.of("note", "ünïcødé " + "z".repeat(300))));
        docs.add(kafka);
        return docs;
    }

    /** Documents {@code 0..count-1} of the sample corpus, annotated by the default pipeline. */
    static List<Doc> annotatedSampleDocs(int count) throws Exception {
        return new SampleCorpus().annotatedDocs(count);
    }

    /** A document carrying a registered attribute type. */
    static Doc docWithDosage() {
        Doc doc = new Doc("dose-1", "aspirin 100 mg", 5, null, null);
        Map<String, Object> attributes = new LinkedHashMap<>();
        attributes.put("dose", new TestingDosage(100, "mg"));
        attributes.put("negated", false);
        doc.entities().add(new Span(0, 7, "DRUG", "ner", attributes));
        return doc;
    }

    static TensorMap inputs(int rows, int sequence, long seed) {
        Random random = new Random(seed);
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = random.nextInt(30_000);
            mask[i] = random.nextInt(10) == 0 ? 0 : 1;
        }
        long[] shape = {rows, sequence};
        return TensorMap.of(
                Tensor.ofLongs("input_ids", shape, ids),
                Tensor.ofLongs("attention_mask", shape, mask));
    }

    static TensorMap outputs(int rows, int sequence, int labels, long seed) {
        Random random = new Random(seed);
        float[] logits = new float[rows * sequence * labels];
        for (int i = 0; i < logits.length; i++) {
            logits[i] = (float) random.nextGaussian();
        }
        logits[0] = Float.NaN;
        logits[1] = Float.NEGATIVE_INFINITY;
        int[] ints = {Integer.MIN_VALUE, -1, 0, 1, Integer.MAX_VALUE};
        return TensorMap.of(
                Tensor.ofFloats("logits", new long[] {rows, sequence, labels}, logits),
                Tensor.ofInts("ints", new long[] {ints.length}, ints));
    }

    static TensorBatch[] tensorBatches() {
        return new TensorBatch[] {
            new TensorBatch(0, 1, 0, TensorMap.of(), new int[0]),
            new TensorBatch(1, 4, 7, inputs(2, 3, 1), new int[] {2}),
            new TensorBatch(3, 4, Long.MAX_VALUE, inputs(32, 128, 2), new int[] {1, 30, 1}),
            new TensorBatch(
                    0,
                    2,
                    1,
                    TensorMap.of(Tensor.ofLongs("empty", new long[] {0, 128}, new long[0])),
                    new int[0]),
        };
    }

    static OutputBatch[] outputBatches() {
        return new OutputBatch[] {
            OutputBatch.succeeded(0, 0, -1, TensorMap.of()),
            OutputBatch.succeeded(2, 9, 1, outputs(3, 5, 5, 3)),
            OutputBatch.succeeded(1, 10, 0, outputs(32, 128, 5, 4)),
            OutputBatch.failed(0, 11, 0, new IllegalStateException("CUDA out of memory: ünï")),
            new OutputBatch(
                    3,
                    12,
                    -1,
                    outputs(2, 5, 5, 5),
                    List.of(
                            new OutputBatch.DocFailure(
                                    1, "ai.onnxruntime.OrtException", "indices out of bounds"),
                            new OutputBatch.DocFailure(
                                    3,
                                    "java.lang.OutOfMemoryError",
                                    "the document does not fit in memory alone: Direct buffer")),
                    7,
                    2),
        };
    }

    static PendingDocs[] pendingDocs() {
        return pendingDocs(handMadeDocs());
    }

    static PendingDocs[] pendingDocs(List<Doc> docs) {
        return new PendingDocs[] {
            new PendingDocs(0, 0, List.of(), new long[0], new byte[0]),
            new PendingDocs(1, 5, docs, new long[] {3, 1, 2}, new byte[] {1, 2, 3, -1}),
        };
    }

    /** Documents and dead letters of every stage, some with ids, meta and a model stage. */
    static Result[] results(List<Doc> docs) {
        DeadLetters deadLetters = new DeadLetters(16);
        List<Result> results = new ArrayList<>();
        docs.forEach(doc -> results.add(Result.output(doc)));
        results.add(
                Result.deadLetter(
                        deadLetters.of(
                                new RawRecord(
                                        7,
                                        SourcePosition.fileLine("notes.jsonl", 8),
                                        "{\"id\": broken and much longer than sixteen bytes"
                                                .getBytes(StandardCharsets.UTF_8)),
                                Stage.PARSE,
                                new IllegalArgumentException("malformed JSON"))));
        Doc first = docs.get(0);
        for (Stage stage : Stage.values()) {
            results.add(
                    Result.deadLetter(
                            deadLetters
                                    .of(first, stage, new IllegalStateException(stage + " failed"))
                                    .inModel("ner", 3, stage.ordinal() - 1)));
        }
        results.add(
                Result.deadLetter(
                        deadLetters.of(
                                new RawRecord(9, SourcePosition.kafka("notes", 2, 99), null),
                                Stage.COMPONENT,
                                new NullPointerException())));
        return results.toArray(Result[]::new);
    }
}
