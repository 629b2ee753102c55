package io.tandem.job.bench;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
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
 * Runs {@link SerializerBenchmark} with JMH's runner, Kryo's and Tandem's benchmark of each record
 * in pairs of forks run one after the other, and returns the median of the pairs' Kryo / Tandem
 * ratios. This machine's speed changes for seconds at a time, slowing both serializers alike: a
 * ratio of two forks run side by side cancels it, where a ratio of medians taken a minute apart did
 * not. Within a fork, the median over its iterations: one pause, or one iteration that JIT or GC
 * made slow, cannot move it.
 */
public final class SerializerBench {

    /** Each record's two benchmarks, Kryo's and Tandem's, compared pair by pair. */
    private static final List<List<String>> COMPARED =
            List.of(List.of("docKryo", "docTandem"), List.of("batchKryo", "batchTandem"));

    /**
     * How long JMH measures.
     *
     * @param forks pairs of forks of each comparison (Kryo's fork and Tandem's), each a fresh JVM;
     *     0 runs one pair in this JVM (faster to start, less isolated)
     * @param documents sample documents cycled through
     */
    public record Settings(
            int forks,
            int warmupIterations,
            int measurementIterations,
            long iterationMillis,
            int documents) {
        /**
         * 5 pairs: a median over 5 ratios, so that two pairs meeting the machine's speed change
         * between their forks cannot move it. Each fork is the full run's, so that the two differ
         * only in how many pairs they take.
         */
        public static Settings quick() {
            return new Settings(5, 4, 6, 500, 64);
        }

        /** 11 pairs of the quick run's forks. */
        public static Settings full() {
            return new Settings(11, 4, 6, 500, 64);
        }

        /** Just enough to get numbers, for tests. */
        public static Settings smoke() {
            return new Settings(0, 1, 1, 200, 8);
        }

        /** How many pairs run: one in this JVM where {@link #forks} is 0. */
        int pairs() {
            return Math.max(1, forks);
        }
    }

    /**
     * Nanoseconds per serialize + deserialize of one record (the median over every measurement
     * iteration), and the ratios Kryo / Tandem (the median over the pairs of forks).
     *
     * @param byIteration each benchmark's measurement iterations, nanoseconds, in the order run
     * @param byFork each benchmark's median per fork, in the order run: the {@code i}th of Kryo's
     *     and the {@code i}th of Tandem's ran one after the other
     */
    public record Result(
            double docTandemNs,
            double docKryoNs,
            double batchTandemNs,
            double batchKryoNs,
            Map<String, List<Double>> byIteration,
            Map<String, List<Double>> byFork) {
        public double docRatio() {
            return Bench.median(docRatioByPair());
        }

        public double batchRatio() {
            return Bench.median(batchRatioByPair());
        }

        /** Kryo / Tandem for the document, pair by pair: what its median is taken over. */
        public List<Double> docRatioByPair() {
            return ratios("docKryo", "docTandem");
        }

        public List<Double> batchRatioByPair() {
            return ratios("batchKryo", "batchTandem");
        }

        private List<Double> ratios(String kryo, String tandem) {
            List<Double> kryoNs = byFork.getOrDefault(kryo, List.of());
            List<Double> tandemNs = byFork.getOrDefault(tandem, List.of());
            if (kryoNs.isEmpty() || kryoNs.size() != tandemNs.size()) {
                throw new IllegalStateException(
                        "expected as many forks of "
                                + kryo
                                + " as of "
                                + tandem
                                + ", at least one; got "
                                + kryoNs.size()
                                + " and "
                                + tandemNs.size());
            }
            List<Double> ratios = new ArrayList<>();
            for (int i = 0; i < kryoNs.size(); i++) {
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

    /**
     * Runs the benchmarks, pair by pair; within each pair Kryo's fork runs first in even pairs and
     * Tandem's in odd ones, so that a machine slowing down steadily favours neither. JMH's progress
     * goes to {@code log}.
     */
    public static Result run(Settings settings, PrintStream log) throws RunnerException {
        Map<String, List<Double>> byIteration = new HashMap<>();
        Map<String, List<Double>> byFork = new HashMap<>();
        for (int pair = 0; pair < settings.pairs(); pair++) {
            for (List<String> compared : COMPARED) {
                List<String> order = new ArrayList<>(compared);
                if (pair % 2 == 1) {
                    Collections.reverse(order);
                }
                for (String benchmark : order) {
                    List<Double> iterations = runFork(settings, benchmark, log);
                    byIteration
                            .computeIfAbsent(benchmark, b -> new ArrayList<>())
                            .addAll(iterations);
                    byFork.computeIfAbsent(benchmark, b -> new ArrayList<>())
                            .add(Bench.median(iterations));
                }
            }
        }
        return new Result(
                median(byIteration, "docTandem"),
                median(byIteration, "docKryo"),
                median(byIteration, "batchTandem"),
                median(byIteration, "batchKryo"),
                byIteration,
                byFork);
    }

    /**
     * One fork of {@code benchmark}, in this JVM where the settings ask for 0 forks: its measured
     * iterations.
     */
    private static List<Double> runFork(Settings settings, String benchmark, PrintStream log)
            throws RunnerException {
        TimeValue iteration = TimeValue.milliseconds(settings.iterationMillis());
        ChainedOptionsBuilder options =
                new OptionsBuilder()
                        .include(SerializerBenchmark.class.getName() + "\\." + benchmark + "$")
                        .forks(Math.min(1, settings.forks()))
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
        List<Double> iterations = new ArrayList<>();
        for (RunResult result : results) {
            for (BenchmarkResult fork : result.getBenchmarkResults()) {
                for (IterationResult measured : fork.getIterationResults()) {
                    iterations.add(measured.getPrimaryResult().getScore());
                }
            }
        }
        if (iterations.isEmpty()) {
            throw new IllegalStateException("JMH returned no iteration of " + benchmark);
        }
        return iterations;
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
