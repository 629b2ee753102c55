package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tandem.doc.Doc;
import io.tandem.models.TinyModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.List;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.apache.flink.streaming.util.ProcessFunctionTestHarnesses;
import org.junit.jupiter.api.Test;

/**
 * The inference operator runs each batch's forward pass and sends the outputs back to the batch's
 * producer under the batch's number; a forward pass that throws becomes a failed output batch, and
 * the subtask goes on; closing it closes its runner.
 */
class InferenceFunctionTest {
    private static final int PRODUCER = 2;
    private static final int PRODUCERS = 4;

    private static final TinyModel REFERENCE = TinyModel.create();

    private static OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> harness(
            TestingModel model) throws Exception {
        return ProcessFunctionTestHarnesses.forProcessFunction(
                new InferenceFunction<>(model, new GpuAssigner(List.of()), Device.CPU, 1));
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
                model.collate(docs.stream().map(model::preprocess).toList()));
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
            assertNull(out.error());
            assertArrayEquals(
                    referenceLogits(batch),
                    out.outputs().get(OnnxTokenClassifier.LOGITS).floats(),
                    1e-5f);
        }
    }

    @Test
    void aForwardPassThatThrowsBecomesAFailedBatchAndTheNextBatchesRun() throws Exception {
        try (OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h =
                harness(TestingModel.failingForwardCall(2))) {
            for (long seq = 0; seq < 3; seq++) {
                h.processElement(batch(seq), 0);
            }

            List<OutputBatch> outputs = h.extractOutputValues();
            assertEquals(List.of(0L, 1L, 2L), outputs.stream().map(OutputBatch::seq).toList());
            OutputBatch failed = outputs.get(1);
            assertEquals(PRODUCER, failed.producer(), "a failed batch goes back to its producer");
            assertEquals(
                    "java.lang.IllegalStateException: " + TestingModel.forwardFailure(2),
                    failed.error());
            assertEquals(TensorMap.of(), failed.outputs());
            assertNull(outputs.get(0).error());
            assertNull(outputs.get(2).error(), "the subtask goes on after a failed batch");
        }
    }

    @Test
    void closingTheFunctionClosesItsRunner() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<TensorBatch, OutputBatch> h = harness(model);
        assertEquals(1, model.runnersOpened());
        h.close();
        assertEquals(1, model.runnersClosed());
    }
}
