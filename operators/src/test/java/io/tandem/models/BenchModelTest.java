package io.tandem.models;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchModelTest {

    @Test
    void generationIsDeterministicAndTheTempFileGoesAwayOnClose(@TempDir Path dir)
            throws Exception {
        byte[] first = BenchModel.bytes();
        Path file = dir.resolve("bench.onnx");
        BenchModel.generate(file);
        String firstHash = ModelGenerator.sha256(first);
        assertEquals(firstHash, ModelGenerator.sha256(Files.readAllBytes(file)));
        assertTrue(
                first.length > 12_000_000 && first.length < 16_000_000,
                "bench model is " + first.length + " bytes");
        System.out.println("bench model: " + first.length + " bytes, sha256 " + firstHash);

        Path generated;
        try (GeneratedModel model = BenchModel.generateTemp()) {
            generated = model.path();
            assertEquals(firstHash, ModelGenerator.sha256(Files.readAllBytes(generated)));
        }
        assertFalse(Files.exists(generated), generated + " must be deleted on close");
    }

    @Test
    void runsAndMaskedPaddingDoesNotChangeTheRealPositions() throws Exception {
        int labels = TinyModel.LABELS.size();
        // Row A: [CLS] 5 pieces [SEP]; row B is longer, so A gets padded in the batch.
        long[] rowA = {2, 300, 301, 302, 303, 304, 3};
        long[] rowB = {2, 400, 401, 402, 403, 404, 405, 406, 407, 408, 3};
        int n = rowA.length;
        int m = rowB.length;
        try (GeneratedModel model = BenchModel.generateTemp();
                OnnxSession session =
                        OnnxSession.open(ModelLocation.file(model.path()), ForwardContext.cpu(0))) {
            Tensor alone = session.forward(batch(new long[][] {rowA}, n)).get("logits");
            assertArrayEquals(new long[] {1, n, labels}, alone.shape());

            Tensor padded = session.forward(batch(new long[][] {rowA, rowB}, m)).get("logits");
            assertArrayEquals(new long[] {2, m, labels}, padded.shape());

            double maxDiff = 0;
            for (int i = 0; i < n * labels; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(alone.floats()[i] - padded.floats()[i]));
            }
            System.out.printf(
                    "bench model: padding changes real logits by at most %.3g%n", maxDiff);
            assertTrue(maxDiff < 1e-4, "padding changed row A's logits by " + maxDiff);

            // Controls: the logits carry signal, and without the mask the padding would count.
            assertTrue(spread(alone.floats()) > 1e-3, "logits are constant");
            TensorMap unmasked =
                    TensorMap.of(
                            batch(new long[][] {rowA, rowB}, m).get("input_ids"),
                            Tensor.ofLongs("attention_mask", new long[] {2, m}, ones(2 * m)));
            Tensor attendingToPadding = session.forward(unmasked).get("logits");
            double unmaskedDiff = 0;
            for (int i = 0; i < n * labels; i++) {
                unmaskedDiff =
                        Math.max(
                                unmaskedDiff,
                                Math.abs(alone.floats()[i] - attendingToPadding.floats()[i]));
            }
            assertTrue(unmaskedDiff > 1e-3, "the mask has no effect: " + unmaskedDiff);
        }
    }

    @Test
    void openedByNameAsAGeneratedLocation() throws Exception {
        try (OnnxSession session =
                OnnxSession.open(ModelLocation.parse("generated:bench"), ForwardContext.cpu(0))) {
            assertEquals(java.util.Set.of("input_ids", "attention_mask"), session.inputNames());
            assertEquals(java.util.Set.of("logits"), session.outputNames());
        }
    }

    private static double spread(float[] values) {
        float min = Float.MAX_VALUE;
        float max = -Float.MAX_VALUE;
        for (float v : values) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        return max - min;
    }

    private static long[] ones(int count) {
        long[] values = new long[count];
        java.util.Arrays.fill(values, 1);
        return values;
    }

    /** Rows padded with [PAD]=0 and mask 0 to {@code length}. */
    static TensorMap batch(long[][] rows, int length) {
        long[] ids = new long[rows.length * length];
        long[] mask = new long[rows.length * length];
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < rows[r].length; i++) {
                ids[r * length + i] = rows[r][i];
                mask[r * length + i] = 1;
            }
        }
        long[] shape = {rows.length, length};
        return TensorMap.of(
                Tensor.ofLongs("input_ids", shape, ids),
                Tensor.ofLongs("attention_mask", shape, mask));
    }
}
