package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BucketedForwardTest {
    private static final ModelLocation BENCH = ModelLocation.parse("generated:bench");

    /** Rows of these lengths, left-aligned and zero-padded to the longest, random word pieces. */
    private static TensorMap batch(int... lengths) {
        int width = Arrays.stream(lengths).max().orElseThrow();
        long[] ids = new long[lengths.length * width];
        long[] mask = new long[lengths.length * width];
        Random random = new Random(7);
        for (int row = 0; row < lengths.length; row++) {
            for (int p = 0; p < lengths[row]; p++) {
                ids[row * width + p] = 5 + random.nextInt(500);
                mask[row * width + p] = 1;
            }
        }
        long[] shape = {lengths.length, width};
        return TensorMap.of(
                Tensor.ofLongs("input_ids", shape, ids),
                Tensor.ofLongs(BatchStats.ATTENTION_MASK, shape, mask));
    }

    /** Passes the batches to its runner, remembering the shape of each. */
    private static final class RecordingRunner implements ForwardRunner {
        final ForwardRunner runner;
        final List<long[]> shapes = new ArrayList<>();
        int terminates;
        int resets;
        boolean closed;

        RecordingRunner(ForwardRunner runner) {
            this.runner = runner;
        }

        @Override
        public TensorMap forward(TensorMap batch) throws Exception {
            shapes.add(batch.tensors().get(0).shape());
            return runner.forward(batch);
        }

        @Override
        public void terminate() {
            terminates++;
        }

        @Override
        public void resetTerminate() {
            resets++;
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /**
     * Outputs computed from the inputs alone, row by row: per position the word piece and its mask
     * ({@code [rows, width, 2]}), and per row the sum of its word pieces ({@code [rows]}).
     */
    private static final class RowwiseRunner implements ForwardRunner {
        @Override
        public TensorMap forward(TensorMap batch) {
            Tensor ids = batch.get("input_ids");
            long[] idValues = ids.longs();
            long[] maskValues = batch.get(BatchStats.ATTENTION_MASK).longs();
            int rows = Math.toIntExact(ids.dim(0));
            int width = Math.toIntExact(ids.dim(1));
            float[] perPosition = new float[rows * width * 2];
            float[] sums = new float[rows];
            for (int i = 0; i < rows * width; i++) {
                perPosition[2 * i] = idValues[i];
                perPosition[2 * i + 1] = maskValues[i];
                sums[i / width] += idValues[i];
            }
            return TensorMap.of(
                    Tensor.ofFloats("per_position", new long[] {rows, width, 2}, perPosition),
                    Tensor.ofFloats("per_row", new long[] {rows}, sums));
        }

        @Override
        public void close() {}
    }

    @Test
    void rowsOfOneLengthRunAsTheBatchItself() throws Exception {
        RecordingRunner recording = new RecordingRunner(new RowwiseRunner());
        TensorMap batch = batch(64, 64, 64);
        TensorMap expected = new RowwiseRunner().forward(batch);

        assertEquals(expected, new BucketedForward(recording).forward(batch));
        assertEquals(1, recording.shapes.size());
        assertArrayEquals(new long[] {3, 64}, recording.shapes.get(0));
    }

    @Test
    void shortLastWindowsRunInTheirOwnBucketsAndComeBackInPlace() throws Exception {
        RecordingRunner recording = new RecordingRunner(new RowwiseRunner());
        // Three full windows of 130, and the short last windows of three documents.
        TensorMap batch = batch(130, 40, 130, 90, 130, 30);
        TensorMap whole = new RowwiseRunner().forward(batch);

        TensorMap bucketed = new BucketedForward(recording).forward(batch);

        // 30 and 40 share a bucket: 2 * 40 + 16 padded tokens against 30 + 16 + 40 + 16 apart.
        List<String> passes = recording.shapes.stream().map(Arrays::toString).toList();
        assertEquals(List.of("[2, 40]", "[1, 90]", "[3, 130]"), passes);
        assertEquals(whole, bucketed, "the rows, their order and the batch's shapes come back");
    }

    /** Returns the batch it is given. */
    private static final class EchoRunner implements ForwardRunner {
        @Override
        public TensorMap forward(TensorMap batch) {
            return batch;
        }

        @Override
        public void close() {}
    }

    @Test
    void aBatchNotCutIntoRowsByAMaskRunsWhole() throws Exception {
        RecordingRunner recording = new RecordingRunner(new EchoRunner());
        BucketedForward bucketed = new BucketedForward(recording);
        TensorMap noMask =
                TensorMap.of(
                        Tensor.ofLongs(
                                "input_ids", new long[] {2, 3}, new long[] {1, 2, 0, 3, 0, 0}));
        TensorMap rows = batch(50, 20);
        TensorMap notAllRowsBySequence =
                TensorMap.of(
                        rows.get("input_ids"),
                        rows.get(BatchStats.ATTENTION_MASK),
                        Tensor.ofLongs("lengths", new long[] {2}, new long[] {50, 20}));

        assertSame(noMask, bucketed.forward(noMask));
        assertSame(notAllRowsBySequence, bucketed.forward(notAllRowsBySequence));
        assertEquals(2, recording.shapes.size());
    }

    @Test
    void thePlanCostsNoMoreThanAnyOtherCutOfTheSortedRows() {
        Random random = new Random(3);
        for (int trial = 0; trial < 300; trial++) {
            int[] lengths = new int[1 + random.nextInt(9)];
            for (int i = 0; i < lengths.length; i++) {
                lengths[i] = 1 + random.nextInt(random.nextBoolean() ? 130 : 20);
            }
            int passCost = random.nextInt(40);
            List<int[]> plan = BucketedForward.plan(lengths, passCost);

            boolean[] seen = new boolean[lengths.length];
            for (int[] bucket : plan) {
                for (int row : bucket) {
                    assertTrue(!seen[row], "row " + row + " in two buckets");
                    seen[row] = true;
                }
            }
            for (boolean rowSeen : seen) {
                assertTrue(rowSeen, "every row runs: " + Arrays.toString(lengths));
            }
            assertEquals(
                    cheapestCut(lengths, passCost),
                    cost(plan, lengths, passCost),
                    "lengths " + Arrays.toString(lengths) + ", pass cost " + passCost);
        }
    }

    /** Every cut of the sorted lengths into runs, tried one by one. */
    private static long cheapestCut(int[] lengths, int passCost) {
        int[] sorted = lengths.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        long best = Long.MAX_VALUE;
        for (int cuts = 0; cuts < 1 << (n - 1); cuts++) {
            long total = 0;
            int start = 0;
            for (int end = 1; end <= n; end++) {
                if (end == n || (cuts & 1 << (end - 1)) != 0) {
                    total += (long) (end - start) * sorted[end - 1] + passCost;
                    start = end;
                }
            }
            best = Math.min(best, total);
        }
        return best;
    }

    private static long cost(List<int[]> plan, int[] lengths, int passCost) {
        long total = 0;
        for (int[] bucket : plan) {
            int widest = 0;
            for (int row : bucket) {
                widest = Math.max(widest, lengths[row]);
            }
            total += (long) bucket.length * widest + passCost;
        }
        return total;
    }

    @Test
    void onARealEncoderTheRealPositionsGetTheWholeBatchsOutputs() throws Exception {
        TensorMap batch = batch(130, 40, 130, 90, 7, 130);
        try (OnnxSession whole = OnnxSession.open(BENCH, ForwardContext.cpu(1));
                BucketedForward bucketed =
                        new BucketedForward(OnnxSession.open(BENCH, ForwardContext.cpu(1)))) {
            Tensor expected = whole.forward(batch).get("logits");
            Tensor actual = bucketed.forward(batch).get("logits");

            assertArrayEquals(expected.shape(), actual.shape());
            long[] mask = batch.get(BatchStats.ATTENTION_MASK).longs();
            int labels = Math.toIntExact(expected.dim(2));
            float[] e = expected.floats();
            float[] a = actual.floats();
            double largestDifference = 0;
            for (int position = 0; position < mask.length; position++) {
                for (int label = 0; label < labels; label++) {
                    int at = position * labels + label;
                    if (mask[position] == 1) {
                        largestDifference = Math.max(largestDifference, Math.abs(e[at] - a[at]));
                    } else {
                        assertEquals(0f, a[at], "padding position " + position + " is zero");
                    }
                }
            }
            // Masked keys get exactly zero attention, so only the order of float sums differs.
            assertTrue(largestDifference < 1e-4, "largest difference " + largestDifference);
        }
    }

    @Test
    void terminateResetAndCloseReachTheRunner() throws Exception {
        RecordingRunner recording = new RecordingRunner(new RowwiseRunner());
        BucketedForward bucketed = new BucketedForward(recording);
        bucketed.terminate();
        bucketed.resetTerminate();
        bucketed.close();
        assertEquals(1, recording.terminates);
        assertEquals(1, recording.resets);
        assertTrue(recording.closed);
    }
}
