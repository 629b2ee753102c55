package io.tandem.inference;

import io.tandem.tensor.DType;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;

/**
 * Runs a padded batch of an encoder on the CPU as one forward pass per bucket of rows of similar
 * length, each bucket padded only to its own longest row, and puts the outputs back in the batch's
 * rows and shape.
 *
 * <p>Why: on the CPU a forward pass costs what its padded tokens cost (the bench encoder: 52 to 56
 * µs per token from 130 to 1,040 tokens a pass, BENCHMARKS.md), and a batch is padded to its
 * longest row. Documents longer than a window end in a short last window, which a batch of full
 * windows pads to the full window; so do short documents beside long ones. Buckets skip that
 * padding. The batch keeps its documents, its order and its output shapes, so nothing before or
 * after the forward pass changes. On a GPU a pass below saturation costs about the same whatever
 * its padding, and each extra pass costs a launch: there the batch runs whole.
 *
 * <p>A row's length is where its attention mask ends (rows are left-aligned, as {@code collate}
 * writes them). Outputs whose second axis follows the bucket's width (logits, hidden states) are
 * padded back to the batch's width with zeros, which the masks already tell postprocessing to
 * ignore; the others (pooled vectors) are put back row by row. A batch without a rank-2 attention
 * mask, or whose inputs are not all {@code [rows, sequence]}, runs whole.
 */
public final class BucketedForward implements ForwardRunner {
    /**
     * What one more forward pass costs beyond its tokens, in padded tokens. Measured on the bench
     * encoder with one intra-op thread: a pass costs about 0.27 ms plus 52 µs per token (5 tokens),
     * and small passes run slower per token (86 µs at 8 tokens), so buckets are only cut where they
     * save more than 16 padded tokens.
     */
    public static final int PASS_COST_TOKENS = 16;

    private final ForwardRunner runner;

    public BucketedForward(ForwardRunner runner) {
        this.runner = runner;
    }

    /** A forward pass of the batch's rows {@code rows}, cut to {@code width} positions. */
    private record Bucket(int[] rows, int width) {}

    @Override
    public TensorMap forward(TensorMap batch) throws Exception {
        List<Bucket> buckets = buckets(batch);
        if (buckets == null) {
            return runner.forward(batch);
        }
        Tensor mask = batch.get(BatchStats.ATTENTION_MASK);
        int rows = Math.toIntExact(mask.dim(0));
        int width = Math.toIntExact(mask.dim(1));
        if (buckets.size() == 1 && buckets.get(0).width() == width) {
            return runner.forward(batch);
        }
        List<TensorMap> outputs = new ArrayList<>();
        for (Bucket bucket : buckets) {
            List<Tensor> inputs = new ArrayList<>();
            for (String name : batch.names()) {
                inputs.add(batch.get(name).gatherRows(bucket.rows(), bucket.width()));
            }
            outputs.add(runner.forward(TensorMap.of(inputs)));
        }
        List<int[]> rowsByBucket = buckets.stream().map(Bucket::rows).toList();
        List<Tensor> merged = new ArrayList<>();
        for (String name : outputs.get(0).names()) {
            List<Tensor> parts = new ArrayList<>();
            boolean followsWidth = true;
            for (int b = 0; b < outputs.size(); b++) {
                Tensor part = outputs.get(b).get(name);
                parts.add(part);
                followsWidth &= part.rank() >= 2 && part.dim(1) == buckets.get(b).width();
            }
            merged.add(Tensor.scatterRows(parts, rowsByBucket, rows, followsWidth ? width : 0));
        }
        return TensorMap.of(merged);
    }

    /**
     * The shape, {@code [rows, width]}, of each forward pass {@code batch} runs as by length
     * buckets: one, the batch's own, where it runs whole.
     */
    public static List<long[]> passShapes(TensorMap batch) {
        List<Bucket> buckets = buckets(batch);
        if (buckets == null) {
            return List.of(batch.get(BatchStats.ATTENTION_MASK).shape());
        }
        return buckets.stream()
                .map(bucket -> new long[] {bucket.rows().length, bucket.width()})
                .toList();
    }

    /** The batch's buckets; null where it cannot be cut by rows, or has none. */
    private static List<Bucket> buckets(TensorMap batch) {
        int[] lengths = rowLengths(batch);
        if (lengths == null || lengths.length == 0) {
            return null;
        }
        List<Bucket> buckets = new ArrayList<>();
        for (int[] rows : plan(lengths, PASS_COST_TOKENS)) {
            int widest = 0;
            for (int row : rows) {
                widest = Math.max(widest, lengths[row]);
            }
            buckets.add(new Bucket(rows, widest));
        }
        return buckets;
    }

    /**
     * The padded tokens that {@code batch}'s forward passes compute when it runs by length buckets:
     * what {@link BatchStats#paddedTokens()} is for a batch run whole.
     */
    public static long paddedTokens(TensorMap batch) {
        long padded = 0;
        for (long[] shape : passShapes(batch)) {
            padded += shape[0] * shape[1];
        }
        return padded;
    }

    /**
     * Each row's length from the attention mask; null where the batch cannot be cut by rows (no
     * rank-2 mask, or an input not {@code [rows, sequence]}).
     */
    static int[] rowLengths(TensorMap batch) {
        if (!batch.names().contains(BatchStats.ATTENTION_MASK)) {
            return null;
        }
        Tensor mask = batch.get(BatchStats.ATTENTION_MASK);
        if (mask.rank() != 2) {
            return null;
        }
        for (String name : batch.names()) {
            Tensor input = batch.get(name);
            if (input.rank() != 2 || !Arrays.equals(input.shape(), mask.shape())) {
                return null;
            }
        }
        int rows = Math.toIntExact(mask.dim(0));
        int width = Math.toIntExact(mask.dim(1));
        long[] longs = mask.dtype() == DType.INT64 ? mask.longs() : null;
        int[] ints = longs == null ? mask.ints() : null;
        int[] lengths = new int[rows];
        for (int row = 0; row < rows; row++) {
            int length = width;
            while (length > 1
                    && (longs != null
                            ? longs[row * width + length - 1] == 0
                            : ints[row * width + length - 1] == 0)) {
                length--;
            }
            lengths[row] = length;
        }
        return lengths;
    }

    /**
     * The buckets that cost least: rows sorted by length, cut into runs so that the padded tokens
     * of all buckets plus {@code passCostTokens} per bucket is smallest (exact, by dynamic
     * programming over the sorted rows). Each bucket lists its rows in batch order.
     */
    static List<int[]> plan(int[] lengths, int passCostTokens) {
        int n = lengths.length;
        Integer[] byLength = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(byLength, Comparator.comparingInt(row -> lengths[row]));
        long[] cost = new long[n + 1];
        int[] cut = new int[n + 1];
        for (int end = 1; end <= n; end++) {
            long widest = lengths[byLength[end - 1]];
            cost[end] = Long.MAX_VALUE;
            for (int start = 0; start < end; start++) {
                long candidate = cost[start] + (end - start) * widest + passCostTokens;
                if (candidate < cost[end]) {
                    cost[end] = candidate;
                    cut[end] = start;
                }
            }
        }
        List<int[]> buckets = new ArrayList<>();
        for (int end = n; end > 0; end = cut[end]) {
            int[] rows = new int[end - cut[end]];
            for (int i = 0; i < rows.length; i++) {
                rows[i] = byLength[cut[end] + i];
            }
            Arrays.sort(rows);
            buckets.add(0, rows);
        }
        return buckets;
    }

    /** The runner that runs each batch whole, the one this runner's buckets go to. */
    public ForwardRunner whole() {
        return runner;
    }

    @Override
    public void terminate() {
        runner.terminate();
    }

    @Override
    public void resetTerminate() {
        runner.resetTerminate();
    }

    @Override
    public void close() throws Exception {
        runner.close();
    }

    @Override
    public String toString() {
        return runner + " (by length buckets)";
    }
}
