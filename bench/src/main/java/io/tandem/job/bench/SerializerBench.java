package io.tandem.job.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.openjdk.jmh.results.BenchmarkResult;
import org.openjdk.jmh.results.IterationResult;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.format.OutputFormatFactory;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * Runs {@link SerializerBenchmark} with JMH's runner and returns the Kryo / Tandem ratios of the
 * medians over every measurement iteration of every fork: one pause, or one iteration that JIT or
 * GC made slow, cannot move them.
 */
public final class SerializerBench {

    /**
     * How long JMH measures.
     *
     * @param forks 0 runs in this JVM (faster to start, less isolated), 1 or more in fresh JVMs
     * @param documents sample documents cycled through
     */
    public record Settings(
            int forks,
            int warmupIterations,
            int measurementIterations,
            long iterationMillis,
            int documents) {
        /**
         * 2 forks of 8 iterations: a median over 16, each fork warmed up and measured as long per
         * iteration as the full run's, so that the two differ only in how many they take.
         */
        public static Settings quick() {
            return new Settings(2, 5, 8, 1000, 64);
        }

        /** 3 forks of 10 iterations: a median over 30. */
        public static Settings full() {
            return new Settings(3, 5, 10, 1000, 64);
        }

        /** Just enough to get numbers, for tests. */
        public static Settings smoke() {
            return new Settings(0, 1, 1, 200, 8);
        }
    }

    /**
     * Nanoseconds per serialize + deserialize of one record (the median over the measurement
     * iterations), and the ratios Kryo / Tandem.
     *
     * @param byIteration each benchmark's measurement iterations, nanoseconds, in JMH's order
     */
    public record Result(
            double docTandemNs,
            double docKryoNs,
            double batchTandemNs,
            double batchKryoNs,
            Map<String, List<Double>> byIteration) {
        public double docRatio() {
            return docKryoNs / docTandemNs;
        }

        public double batchRatio() {
            return batchKryoNs / batchTandemNs;
        }

        /** Kryo / Tandem for the document, iteration by iteration: what its spread is over. */
        public List<Double> docRatioByIteration() {
            return ratios("docKryo", "docTandem");
        }

        public List<Double> batchRatioByIteration() {
            return ratios("batchKryo", "batchTandem");
        }

        private List<Double> ratios(String kryo, String tandem) {
            List<Double> kryoNs = byIteration.getOrDefault(kryo, List.of());
            List<Double> tandemNs = byIteration.getOrDefault(tandem, List.of());
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < Math.min(kryoNs.size(), tandemNs.size()); i++) {
                ratios.add(kryoNs.get(i) / tandemNs.get(i));
            }
            return ratios;
        }

        public Map<String, Double> asMap() {
            Map<String, Double> map = new java.util.LinkedHashMap<>();
            map.put("doc_tandem", docTandemNs);
            map.put("doc_kryo", docKryoNs);
            map.put("batch_tandem", batchTandemNs);
            map.put("batch_kryo", batchKryoNs);
            return map;
        }
    }

    /**
     * The forked JVMs' heap: fixed, and touched before the first iteration. With a heap G1 is still
     * growing, the batch benchmark was bimodal: iterations allocating into young-generation memory
     * not touched before ran at 250 to 520 us per batch instead of 22 to 30, and, being slow,
     * allocated too little to be collected (BENCHMARKS.md, the batch serializer). Pre-touching
     * removed every slow iteration. A TaskManager that has run a while has touched its young
     * generation, so this is the state it runs in.
     */
    static final List<String> FORK_HEAP = List.of("-Xms1g", "-Xmx1g", "-XX:+AlwaysPreTouch");

    private SerializerBench() {}

    /** Runs the benchmarks; JMH's progress goes to {@code log}. */
    public static Result run(Settings settings, PrintStream log) throws RunnerException {
        TimeValue iteration = TimeValue.milliseconds(settings.iterationMillis());
        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .include(SerializerBenchmark.class.getName() + "\\.")
                        .forks(settings.forks())
                        .warmupIterations(settings.warmupIterations())
                        .warmupTime(iteration)
                        .measurementIterations(settings.measurementIterations())
                        .measurementTime(iteration)
                        .param("documents", Integer.toString(settings.documents()))
                        .shouldFailOnError(true)
                        .jvmArgsAppend(
                                "--add-opens=java.base/java.util=ALL-UNNAMED",
                                "--add-opens=java.base/java.lang=ALL-UNNAMED",
                                FORK_HEAP.get(0),
                                FORK_HEAP.get(1),
                                FORK_HEAP.get(2));
        Collection<RunResult> results =
                new Runner(
                                options.build(),
                                OutputFormatFactory.createFormatInstance(log, VerboseMode.NORMAL))
                        .run();
        Map<String, List<Double>> byIteration = new HashMap<>();
        for (RunResult result : results) {
            String label = result.getPrimaryResult().getLabel();
            List<Double> iterations = byIteration.computeIfAbsent(label, l -> new ArrayList<>());
            for (BenchmarkResult fork : result.getBenchmarkResults()) {
                for (IterationResult measured : fork.getIterationResults()) {
                    iterations.add(measured.getPrimaryResult().getScore());
                }
            }
        }
        return new Result(
                median(byIteration, "docTandem"),
                median(byIteration, "docKryo"),
                median(byIteration, "batchTandem"),
                median(byIteration, "batchKryo"),
                byIteration);
    }

    /** The median of {@code benchmark}'s measurement iterations, every fork's together. */
    static double median(Map<String, List<Double>> byIteration, String benchmark) {
        List<Double> iterations = byIteration.get(benchmark);
        if (iterations == null || iterations.isEmpty()) {
            throw new IllegalStateException(
                    "JMH returned no iteration of " + benchmark + "; got " + byIteration.keySet());
        }
        return Bench.median(iterations);
    }
}
