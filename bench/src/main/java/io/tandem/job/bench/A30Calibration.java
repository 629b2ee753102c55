package io.tandem.job.bench;

/**
 * The forward time of a BERT-base encoder on an NVIDIA A30 in FP16 at sequence length 128, from the
 * latency table that NVIDIA publishes with its TensorRT BERT demo ({@code demo/BERT/README.md},
 * average latency). It is a calibration, not a measurement: no GPU ran in the benchmark.
 *
 * <p>The rule that turns a batch of {@code rows} windows of {@code sequence} pieces into a time:
 *
 * <ol>
 *   <li>its size in 128-piece sequences is {@code rows × sequence / 128} (cost grows with the
 *       padded tokens of the batch; shorter windows are worth a fraction of a table row);
 *   <li>at or below one sequence, a call costs the table's batch 1 (what a kernel launch and one
 *       sequence cost does not shrink further);
 *   <li>between two table batches, linear interpolation; above 128, the last segment (64 to 128)
 *       extended, which is linear in the rows as the GPU is then saturated.
 * </ol>
 */
public final class A30Calibration implements StandInModel.ForwardCost {
    private static final long serialVersionUID = 1L;

    /** The table's sequence length. */
    public static final int SEQUENCE = 128;

    /** The table's batch sizes. */
    static final double[] BATCH = {1, 2, 4, 8, 16, 32, 64, 128};

    /** The table's average latencies in milliseconds, batch by batch. */
    static final double[] MILLIS = {0.89, 1.13, 1.54, 2.50, 4.44, 8.63, 17.17, 33.58};

    public static final A30Calibration INSTANCE = new A30Calibration();

    private A30Calibration() {}

    /** The forward time in milliseconds of a batch of {@code sequences} 128-piece sequences. */
    public static double millis(double sequences) {
        if (!(sequences >= 0)) {
            throw new IllegalArgumentException("sequences must be >= 0, got " + sequences);
        }
        if (sequences <= BATCH[0]) {
            return MILLIS[0];
        }
        int upper = 1;
        while (upper < BATCH.length - 1 && sequences > BATCH[upper]) {
            upper++;
        }
        int lower = upper - 1;
        double slope = (MILLIS[upper] - MILLIS[lower]) / (BATCH[upper] - BATCH[lower]);
        return MILLIS[lower] + slope * (sequences - BATCH[lower]);
    }

    /** The forward time in milliseconds of {@code rows} windows of {@code sequence} pieces. */
    public static double millis(long rows, long sequence) {
        return millis((double) rows * sequence / SEQUENCE);
    }

    @Override
    public long nanos(long rows, long sequence) {
        return Math.round(millis(rows, sequence) * 1e6);
    }

    @Override
    public String toString() {
        return "BERT-base, A30 FP16 (TensorRT demo table), scaled by rows x sequence / 128";
    }

    private Object readResolve() {
        return INSTANCE;
    }
}
