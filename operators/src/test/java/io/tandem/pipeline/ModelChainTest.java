package io.tandem.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.IsolatingForward;
import io.tandem.models.TinyModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.OutputBatch.DocFailure;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.CloseableRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model chain splits between documents like a single model, though each of its models takes its
 * own rows per document: a poison document costs only itself.
 */
class ModelChainTest {
    /** Text 2 gets a word whose id is past the short table; the others have none. */
    private static final List<String> TEXTS =
            List.of(
                    "Started metformin 500 mg and aspirin.",
                    "Continue lisinopril daily; aspirin was stopped last week because of bleeding"
                            + " and metformin is held before the scan.",
                    "Dose %s metformin.",
                    "No drugs today.",
                    "Aspirin.");

    @TempDir Path folder;

    @Test
    void groupedRowsComeBackUngroupedAsTheyWere() {
        Tensor t = Tensor.ofLongs("ids", new long[] {4, 2}, new long[] {1, 2, 3, 4, 5, 6, 7, 8});
        int[] rows = {1, 0, 3};
        Tensor grouped = t.groupRows(rows);
        assertEquals(List.of(3L, 3L, 2L), List.of(grouped.dim(0), grouped.dim(1), grouped.dim(2)));
        assertEquals(
                List.of(1L, 2L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 0L, 3L, 4L, 5L, 6L, 7L, 8L),
                boxed(grouped.longs()));
        assertEquals(t, grouped.ungroupRows(rows));
        assertEquals(t.rows(1, 4), grouped.rows(1, 3).ungroupRows(new int[] {0, 3}));
    }

    @Test
    void aChainWithAPoisonDocumentInItsBatchLosesOnlyThatDocument() throws Exception {
        TinyModel model = TinyModel.create();
        OnnxTokenClassifier tiny = OnnxTokenClassifier.tiny();
        tiny.open();
        int tableRows = 0;
        for (String text : TEXTS) {
            for (int id : tiny.encoder().tokenizer().encode(text.formatted("")).ids()) {
                tableRows = Math.max(tableRows, id + 1);
            }
        }
        List<String> vocabulary = model.vocabulary().tokens();
        String poison = null;
        for (int id = vocabulary.size() - 1; id >= tableRows && poison == null; id--) {
            if (vocabulary.get(id).matches("[a-z]+")) {
                poison = vocabulary.get(id);
            }
        }
        assertTrue(poison != null, "a whole word past the first " + tableRows + " ids");
        List<String> texts = new ArrayList<>();
        for (String text : TEXTS) {
            texts.add(text.formatted(poison));
        }
        tiny.close();
        // ONNX Runtime's Gather rejects the ids past the table: a real failure, on one document.
        Path export = folder.resolve("short-table");
        Files.createDirectories(export);
        Files.write(export.resolve("model.onnx"), model.onnxBytes(tableRows));
        Files.write(export.resolve("tokenizer.json"), model.tokenizerJson());
        Files.write(export.resolve("config.json"), model.configJson());
        OnnxTokenClassifier first =
                OnnxTokenClassifier.builder().name("short-table").model(export.toString()).build();
        OnnxTokenClassifier second =
                OnnxTokenClassifier.builder().name("windowed").maxLength(10).stride(2).build();
        ModelChain chain = new ModelChain(List.of(first, second));

        List<Doc> docs = new ArrayList<>();
        List<ModelChain.Features> features = new ArrayList<>();
        int[] docRows = new int[texts.size()];
        List<Integer> windowedRows = new ArrayList<>();
        chain.open();
        for (int i = 0; i < texts.size(); i++) {
            Doc doc = new Doc("d" + i, texts.get(i), i, null, null);
            ModelChain.Features f = chain.preprocess(doc);
            docs.add(doc);
            features.add(f);
            docRows[i] = chain.rowsOf(f);
            windowedRows.add(second.rowsOf(second.preprocess(doc)));
        }
        assertTrue(windowedRows.stream().anyMatch(rows -> rows > 2), "windows: " + windowedRows);
        assertNotEquals(1, windowedRows.stream().distinct().count(), "rows differ by document");

        IsolatingForward.Forwarded forwarded;
        try (IsolatingForward forward =
                new IsolatingForward(
                        chain.openForward(ForwardContext.cpu(1)),
                        chain.name(),
                        Duration.ofMinutes(1),
                        Duration.ofSeconds(5),
                        "model-chain-test-timer",
                        new CloseableRegistry())) {
            forward.checkModel(chain);
            forwarded = forward.forward(chain.collate(features), docRows);
        }
        assertEquals(List.of(2), forwarded.failures().stream().map(DocFailure::doc).toList());
        assertTrue(
                forwarded.failures().get(0).message().contains("out of data bounds"),
                forwarded.failures().get(0).message());
        TensorMap outputs = forwarded.outputs();
        List<Doc> survivors = new ArrayList<>(docs);
        List<ModelChain.Features> survivorFeatures = new ArrayList<>(features);
        survivors.remove(2);
        survivorFeatures.remove(2);
        chain.postprocess(survivors, survivorFeatures, outputs);
        chain.close();

        try (InProcessPipeline alone1 =
                        new InProcessPipeline(
                                Pipeline.builder().model(first).build(), ForwardContext.cpu(1));
                InProcessPipeline alone2 =
                        new InProcessPipeline(
                                Pipeline.builder().model(second).build(), ForwardContext.cpu(1))) {
            for (Doc survivor : survivors) {
                Doc expected = new Doc(survivor.id(), survivor.text(), 0, null, null);
                alone1.process(expected);
                alone2.process(expected);
                assertEquals(expected.entities(), survivor.entities(), survivor.text());
            }
        }
        assertFalse(survivors.get(1).entities().isEmpty(), "the long note has its drugs");
    }

    private static List<Long> boxed(long[] values) {
        List<Long> list = new ArrayList<>();
        for (long v : values) {
            list.add(v);
        }
        return list;
    }
}
