package io.tandem.job.bench;

import io.tandem.ner.OnnxTokenClassifier;
import java.util.List;

/**
 * How much the benchmark measures.
 *
 * @param name what the report calls this run ({@code quick}, {@code full})
 * @param fastDocs documents per run where the forward pass is the stand-in (the CPU side is
 *     measured, hundreds of documents per second)
 * @param fastRunSeconds the runs with an instant or fast stand-in (thousands of documents per
 *     second) get at least as many documents as the warm-up's throughput gets through in this long:
 *     a steady part of a fraction of a second measures a pause of the collector or of the machine's
 *     neighbours as much as Tandem (0: {@code fastDocs} as they are)
 * @param modelDocs documents per run with the real bench model on the CPU (tens per second)
 * @param latencyDocs documents of the rate-limited run
 * @param cpuWorkers the CPU task set parallelism P of the main figures
 * @param scalingWorkers the P values of the scaling curve; must hold 1, 2 and {@code cpuWorkers}
 * @param maxLength the token classifier's window in word pieces
 * @param benchModel true: the real model is the bench encoder; false: the tiny model (for tests,
 *     where only the figures' presence matters)
 * @param repeats rounds of measurements: each throughput is measured once per round and the best
 *     run counts, except in a ratio of two runs measured side by side, which is the median of its
 *     rounds; each figure's spread is the range of its value over the rounds
 * @param paddingAt512 also measure the padding at 512-piece windows, for reference
 * @param warmUp run one untimed job first (the first jobs of a JVM run slower)
 * @param serializers how long JMH measures the serializers
 */
public record BenchSettings(
        String name,
        int fastDocs,
        double fastRunSeconds,
        int modelDocs,
        int latencyDocs,
        int cpuWorkers,
        List<Integer> scalingWorkers,
        int maxLength,
        boolean benchModel,
        int repeats,
        boolean paddingAt512,
        boolean warmUp,
        SerializerBench.Settings serializers) {

    /** The default pipeline's window: the token classifier's default maximum length. */
    public static final int WINDOW = OnnxTokenClassifier.DEFAULT_MAX_LENGTH;

    public BenchSettings {
        // The count window alternative must fire at least twice per subtask.
        int minimumModelDocs = 2 * Alternatives.WINDOW_DOCS * cpuWorkers;
        if (fastDocs < 100 || modelDocs < minimumModelDocs || latencyDocs < 50) {
            throw new IllegalArgumentException(
                    "Too few documents to measure: fastDocs "
                            + fastDocs
                            + " (>= 100), modelDocs "
                            + modelDocs
                            + " (>= "
                            + minimumModelDocs
                            + "), latencyDocs "
                            + latencyDocs
                            + " (>= 50)");
        }
        if (!scalingWorkers.contains(1)
                || !scalingWorkers.contains(2)
                || !scalingWorkers.contains(cpuWorkers)) {
            throw new IllegalArgumentException(
                    "scalingWorkers "
                            + scalingWorkers
                            + " must hold 1, 2 and cpuWorkers "
                            + cpuWorkers);
        }
        if (!(fastRunSeconds >= 0)) {
            throw new IllegalArgumentException(
                    "fastRunSeconds must be >= 0, got " + fastRunSeconds);
        }
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be >= 1, got " + repeats);
        }
        scalingWorkers = List.copyOf(scalingWorkers);
    }

    /**
     * Fewer documents with the model, fewer scaling points and serializer forks than the full run,
     * but as many rounds (a figure measured side by side is the median of three rounds, which one
     * slow round cannot move) and runs with the stand-ins as long (runs of 2 s measured 2 CPU
     * workers mostly while they ramped up: cpu_scaling_1_to_2 read 1.36 to 1.46 against 1.67).
     */
    public static BenchSettings quick() {
        return new BenchSettings(
                "quick",
                1500,
                4,
                256,
                1500,
                2,
                List.of(1, 2),
                WINDOW,
                true,
                3,
                false,
                true,
                SerializerBench.Settings.quick());
    }

    /** The run behind BENCHMARKS.md. */
    public static BenchSettings full() {
        return new BenchSettings(
                "full",
                4000,
                4,
                384,
                3000,
                2,
                List.of(1, 2, 3, 4),
                WINDOW,
                true,
                3,
                true,
                true,
                SerializerBench.Settings.full());
    }

    /** The smallest run that still yields every figure, for tests. */
    public static BenchSettings smoke() {
        return new BenchSettings(
                "smoke",
                200,
                0,
                128,
                100,
                2,
                List.of(1, 2),
                WINDOW,
                false,
                1,
                false,
                false,
                SerializerBench.Settings.smoke());
    }
}
