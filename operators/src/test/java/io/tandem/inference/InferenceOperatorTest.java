package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.models.TinyModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.time.Duration;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * The inference operator runs each batch's forward pass and sends the outputs back to the batch's
 * producer under the batch's number; a forward pass that throws becomes a failed output batch, and
 * the subtask goes on; closing it closes its runner.
 */
class InferenceOperatorTest {
    private static final int PRODUCER = 2;
    private static final int PRODUCERS = 4;

    private static final TinyModel REFERENCE = TinyModel.create();

    private static OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> harness(
            TestingModel model) throws Exception {
        OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> harness =
                new OneInputStreamOperatorTestHarness<>(
                        new InferenceOperator<>(
                                model,
                                new GpuAssigner(List.of()),
                                Device.CPU,
                                1,
                                Duration.ofSeconds(30),
                                Duration.ofSeconds(5)));
        harness.open();
        return harness;
    }

    /** Batch {@code seq} of two notes of different lengths, collated by the tiny model. */
    private static TensorBatch batch(long seq) {
        OnnxTokenClassifier model = OnnxTokenClassifier.tiny();
        List<Doc> docs =
                List.of(
                        new Doc("a", "Patient takes aspirin daily.", 0, null, null),
                        new Doc("b", "No ibuprofen.", 1, null, null));
        return new TensorBatch(
                PRODUCER,
                PRODUCERS,
                seq,
                model.collate(docs.stream().map(model::preprocess).toList()),
                docs.stream().mapToInt(doc -> model.rowsOf(model.preprocess(doc))).toArray());
    }

    /** The tiny model's logits for {@code batch}, computed in plain Java. */
    private static float[] referenceLogits(TensorBatch batch) {
        Tensor ids = batch.tensors().get(OnnxTokenClassifier.INPUT_IDS);
        Tensor mask = batch.tensors().get(OnnxTokenClassifier.ATTENTION_MASK);
        return REFERENCE.referenceLogits(
                ids.longs(), mask.longs(), (int) ids.dim(0), (int) ids.dim(1));
    }

    @Test
    void aBatchsOutputsGoBackToItsProducerUnderItsNumber() throws Exception {
        TensorBatch batch = batch(7);
        try (OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h =
                harness(TestingModel.tiny())) {
            h.processElement(batch, 0);

            List<OutputBatch> outputs = h.extractOutputValues();
            assertEquals(1, outputs.size());
            OutputBatch out = outputs.get(0);
            assertEquals(PRODUCER, out.producer());
            assertEquals(7, out.seq());
            assertEquals(GpuAssigner.NO_GPU, out.device(), "the CPU ran it");
            assertEquals(List.of(), out.failures());
            assertArrayEquals(
                    referenceLogits(batch),
                    out.outputs().get(OnnxTokenClassifier.LOGITS).floats(),
                    1e-5f);
        }
    }

    @Test
    void aForwardPassThatFailsOnceIsSplitAndBothHalvesSucceed() throws Exception {
        // Call 1 is the start-up check, call 2 batch 0's first attempt.
        try (OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h =
                harness(TestingModel.failingForwardCall(2))) {
            TensorBatch batch = batch(0);
            h.processElement(batch, 0);

            OutputBatch out = h.extractOutputValues().get(0);
            assertEquals(List.of(), out.failures(), "no document is to blame");
            assertEquals(2, out.extraForwards(), "one forward pass per half");
            assertArrayEquals(
                    referenceLogits(batch),
                    out.outputs().get(OnnxTokenClassifier.LOGITS).floats(),
                    1e-5f);
        }
    }

    @Test
    void aPoisonDocumentAloneFailsAndTheOthersKeepTheirOutputsInBatchOrder() throws Exception {
        try (OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h =
                harness(TestingModel.failingForwardOfMarker())) {
            OnnxTokenClassifier model = OnnxTokenClassifier.tiny();
            List<Doc> docs = new java.util.ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String text =
                        i == 5
                                ? "Dose " + TestingModel.MARKER + " aspirin."
                                : "Patient " + i + " takes aspirin daily.";
                docs.add(new Doc("n" + i, text, i, null, null));
            }
            var features = docs.stream().map(model::preprocess).toList();
            TensorMap tensors = model.collate(features);
            h.processElement(
                    new TensorBatch(
                            PRODUCER,
                            PRODUCERS,
                            3,
                            tensors,
                            features.stream().mapToInt(model::rowsOf).toArray()),
                    0);

            OutputBatch out = h.extractOutputValues().get(0);
            assertEquals(
                    List.of(
                            new OutputBatch.DocFailure(
                                    5,
                                    IllegalStateException.class.getName(),
                                    TestingModel.markerFailure())),
                    out.failures());
            assertEquals(6, out.extraForwards(), "2 per halving: 8 -> 4 -> 2 -> 1");
            // The seven others' rows, in batch order, as one forward pass of them all gives.
            TensorBatch rest =
                    new TensorBatch(
                            PRODUCER,
                            PRODUCERS,
                            3,
                            TensorMap.concatRows(List.of(tensors.rows(0, 5), tensors.rows(6, 8))),
                            new int[7]);
            assertArrayEquals(
                    referenceLogits(rest),
                    out.outputs().get(OnnxTokenClassifier.LOGITS).floats(),
                    1e-5f);
        }
    }

    @Test
    void aModelThatFailsItsStartUpCheckFailsOpenNamingTheModel() {
        IllegalStateException error =
                org.junit.jupiter.api.Assertions.assertThrows(
                        IllegalStateException.class,
                        () -> harness(TestingModel.failingForwardCall(1)));
        assertEquals(
                "Model 'ner' failed its start-up check (one document through preprocess,"
                        + " collate, forward and postprocess): "
                        + TestingModel.forwardFailure(1),
                error.getMessage());
    }

    @Test
    void closingTheOperatorClosesItsRunner() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h = harness(model);
        assertEquals(1, model.runnersOpened());
        h.close();
        assertEquals(1, model.runnersClosed());
    }

    @Test
    void closingTheOperatorClosesTheModelOnceAndReleasesItsTokenizer() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h = harness(model);
        assertTrue(model.tokenizerLoaded(), "the start-up check loads the tokenizer");
        h.close();
        assertEquals(1, model.closes());
        assertFalse(model.tokenizerLoaded(), "tokenizer released");
    }
}
