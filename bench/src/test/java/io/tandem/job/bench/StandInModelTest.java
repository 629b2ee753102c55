package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandInModelTest {
    private final OnnxTokenClassifier classifier = OnnxTokenClassifier.tiny();

    @Test
    void returnsZeroLogitsShapedLikeTheModelsWhichDecodeToNoEntity() throws Exception {
        Doc doc = new Doc("d", "Patient takes aspirin daily for chest pain.", 0, null, null);
        Pipeline.builder().tokenizer().build().process(doc);
        StandInModel standIn = new StandInModel(classifier, 0.5);
        TokenClassifierFeatures features = standIn.preprocess(doc);
        TensorMap batch = standIn.collate(List.of(features));
        long[] shape = batch.get(OnnxTokenClassifier.INPUT_IDS).shape();

        try (ForwardRunner runner = standIn.openForward(ForwardContext.cpu(1))) {
            TensorMap outputs = runner.forward(batch);
            Tensor logits = outputs.get(OnnxTokenClassifier.LOGITS);
            assertArrayEquals(
                    new long[] {shape[0], shape[1], classifier.labels().size()}, logits.shape());
            for (float value : logits.floats()) {
                assertEquals(0f, value);
            }
            standIn.postprocess(List.of(doc), List.of(features), outputs);
        }
        assertEquals(List.of(), doc.entities());
    }

    @Test
    void oneDeviceStandInsWaitForEachOthersCalls() throws Exception {
        Doc doc = new Doc("d", "Patient takes aspirin daily.", 0, null, null);
        Pipeline.builder().tokenizer().build().process(doc);
        long fiftyMillis = 50_000_000;
        StandInModel standIn = new StandInModel(classifier, (rows, sequence) -> fiftyMillis, true);
        TensorMap batch = standIn.collate(List.of(standIn.preprocess(doc)));
        Runnable call =
                () -> {
                    try (ForwardRunner runner = standIn.openForward(ForwardContext.cpu(1))) {
                        runner.forward(batch);
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                };
        long start = System.nanoTime();
        Thread other = new Thread(call);
        other.start();
        call.run();
        other.join();
        long elapsed = System.nanoTime() - start;
        assertTrue(elapsed >= 2 * fiftyMillis, "two 50 ms calls took " + elapsed + " ns");
    }

    @Test
    void aNegativeCostIsRefusedNamingIt() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class, () -> new StandInModel(classifier, -1));
        assertEquals(true, error.getMessage().contains("-1"));
    }
}
