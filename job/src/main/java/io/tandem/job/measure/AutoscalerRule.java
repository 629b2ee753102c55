package io.tandem.job.measure;

/**
 * The sizing rule of Flink's autoscaler (Kubernetes operator), applied to one job vertex: its true
 * processing rate is the records it processed per second divided by the share of the second it was
 * busy ({@code busyTimeMsPerSecond / 1000}), which is what the vertex could process were it never
 * idle nor backpressured; its target parallelism is the rate it must sustain over the true rate of
 * one subtask, at the target utilization. So a vertex's busy time is what decides whether it is
 * scaled: a vertex that reports waiting as busy is scaled up for nothing.
 *
 * <p>Only the rule: the autoscaler also propagates the sources' rates downstream, bounds each step
 * and waits for the metrics window to fill, none of which changes which vertex the rule raises.
 */
public final class AutoscalerRule {
    /** The autoscaler's default {@code job.autoscaler.target.utilization}. */
    public static final double DEFAULT_TARGET_UTILIZATION = 0.7;

    private final double targetUtilization;

    /**
     * @param targetUtilization the busy share each subtask should have at the required rate, in (0,
     *     1]
     */
    public AutoscalerRule(double targetUtilization) {
        if (!(targetUtilization > 0 && targetUtilization <= 1)) {
            throw new IllegalArgumentException(
                    "target utilization must be in (0, 1], got " + targetUtilization);
        }
        this.targetUtilization = targetUtilization;
    }

    /** What the rule reads of one vertex, over the metrics window. */
    public record VertexLoad(
            String name, int parallelism, double recordsPerSecond, double busyMsPerSecond) {
        public VertexLoad {
            if (parallelism < 1) {
                throw new IllegalArgumentException(
                        "parallelism of " + name + " must be >= 1, got " + parallelism);
            }
            if (recordsPerSecond < 0 || busyMsPerSecond < 0 || busyMsPerSecond > 1000) {
                throw new IllegalArgumentException(
                        "vertex "
                                + name
                                + ": records per second must be >= 0 and busy ms per second in"
                                + " [0, 1000], got "
                                + recordsPerSecond
                                + " and "
                                + busyMsPerSecond);
            }
        }

        /**
         * Records per second one subtask could process, never idle nor backpressured; infinite when
         * the vertex was never busy.
         */
        public double trueRatePerSubtask() {
            return busyMsPerSecond == 0
                    ? Double.POSITIVE_INFINITY
                    : recordsPerSecond / (busyMsPerSecond / 1000.0) / parallelism;
        }
    }

    /**
     * The parallelism at which {@code load}'s vertex sustains {@code requiredRecordsPerSecond} at
     * the target utilization; at least 1.
     */
    public int targetParallelism(VertexLoad load, double requiredRecordsPerSecond) {
        double perSubtask = load.trueRatePerSubtask();
        if (Double.isInfinite(perSubtask) || requiredRecordsPerSecond <= 0) {
            return 1;
        }
        return Math.max(
                1, (int) Math.ceil(requiredRecordsPerSecond / (perSubtask * targetUtilization)));
    }
}
