package io.tandem.job.bench;

import io.tandem.inference.ModelComponent;
import io.tandem.job.LocalClusters;
import io.tandem.job.TandemJob;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
import io.tandem.source.InputFiles;
import io.tandem.source.RawRecord;
import io.tandem.source.SourceOptions;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.ToDoubleFunction;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Figure {@code file_input_efficiency}: the scale simulation fed as a file job is fed, through the
 * real file source, from one JSON Lines file of the sample corpus (heavy-tailed lengths: 71 to
 * 38,000 characters, median about 520, p99 about 16,500), each result counted as it reaches the
 * sink. Two layouts of the same file, measured in turn in each round:
 *
 * <ul>
 *   <li><i>byte ranges</i>, as a file job reads now: a reader per CPU subtask, chained to its
 *       parser, taking byte ranges of the file as it finishes the last (about four per reader);
 *   <li><i>one reader, round-robin</i>, as a file job read one file before: a single split, one
 *       reader, Flink's {@code rebalance} to the CPU subtasks.
 * </ul>
 */
final class FileInputEfficiency {
    private FileInputEfficiency() {}

    /** The best run of each layout and its efficiency against its own ideal. */
    record Figures(
            double efficiency,
            double roundRobinEfficiency,
            Bench.Measured byteRanges,
            Bench.Measured roundRobin,
            double ideal,
            double roundRobinIdeal,
            int splits,
            List<Double> efficiencyByRound) {

        Map<String, Object> details() {
            Map<String, Object> details = new LinkedHashMap<>();
            details.put("docs_per_s", byteRanges.steady());
            details.put("ideal_docs_per_s", ideal);
            details.put("round_robin_docs_per_s", roundRobin.steady());
            details.put("round_robin_ideal_docs_per_s", roundRobinIdeal);
            details.put("file_input_efficiency_round_robin", roundRobinEfficiency);
            details.put("byte_range_splits", splits);
            details.put("busy_share_by_inference_subtask", byteRanges.steadyBusyShareByRunner());
            details.put(
                    "busy_share_by_inference_subtask_round_robin",
                    roundRobin.steadyBusyShareByRunner());
            return details;
        }
    }

    /**
     * @param inferenceCost the scale simulation's parked inference stand-in
     * @param cpuCost the scale simulation's parked CPU component
     * @param idealOf a run's ideal throughput, from its own padding
     */
    static Figures measure(
            PrintStream log,
            ModelComponent<?> inferenceCost,
            PipelineComponent cpuCost,
            ToDoubleFunction<Bench.Measured> idealOf,
            int cpuWorkers,
            int inferenceWorkers,
            int docs,
            int repeats)
            throws Exception {
        Path dir = Files.createTempDirectory("tandem-bench-files");
        Path file = dir.resolve("sample.jsonl");
        try {
            new SampleCorpus(SampleCorpus.DEFAULT_SEED).writeJsonLines(file, docs);
            InputFiles ranges =
                    new InputFiles(
                            file.toString(),
                            null,
                            InputFiles.splitBytesFor(Files.size(file), cpuWorkers));
            InputFiles whole = new InputFiles(file.toString(), null, Long.MAX_VALUE);
            int splits = ranges.splitsOf(file).size();
            Bench.Measured bestRanges = null;
            Bench.Measured bestRoundRobin = null;
            List<Double> efficiencyByRound = new ArrayList<>();
            for (int repeat = 0; repeat < repeats; repeat++) {
                for (boolean byteRanges : new boolean[] {true, false}) {
                    String name =
                            "file input, "
                                    + (byteRanges ? "byte ranges" : "one reader round-robin");
                    Bench.Measured run =
                            run(
                                    name,
                                    inferenceCost,
                                    cpuCost,
                                    byteRanges ? ranges : whole,
                                    byteRanges ? cpuWorkers : 1,
                                    cpuWorkers,
                                    inferenceWorkers,
                                    docs);
                    log.printf(
                            Locale.ROOT,
                            "bench:   %-36s %8.1f docs/s (steady), %.3f of its ideal%n",
                            name,
                            run.steady(),
                            run.steady() / idealOf.applyAsDouble(run));
                    if (byteRanges) {
                        efficiencyByRound.add(run.steady() / idealOf.applyAsDouble(run));
                        bestRanges = better(bestRanges, run);
                    } else {
                        bestRoundRobin = better(bestRoundRobin, run);
                    }
                }
            }
            double ideal = idealOf.applyAsDouble(bestRanges);
            double roundRobinIdeal = idealOf.applyAsDouble(bestRoundRobin);
            return new Figures(
                    bestRanges.steady() / ideal,
                    bestRoundRobin.steady() / roundRobinIdeal,
                    bestRanges,
                    bestRoundRobin,
                    ideal,
                    roundRobinIdeal,
                    splits,
                    efficiencyByRound);
        } finally {
            Files.deleteIfExists(file);
            Files.deleteIfExists(dir);
        }
    }

    private static Bench.Measured better(Bench.Measured best, Bench.Measured run) {
        return best == null || run.steady() > best.steady() ? run : best;
    }

    /** One run of the file through the scale simulation's graph, results put back in order. */
    private static Bench.Measured run(
            String name,
            ModelComponent<?> inferenceCost,
            PipelineComponent cpuCost,
            InputFiles files,
            int readers,
            int cpuWorkers,
            int inferenceWorkers,
            int docs)
            throws Exception {
        String runId = UUID.randomUUID().toString();
        MeteredModel.Meter meter = MeteredModel.start(runId);
        RunRecorder recorder = RunRecorder.start(runId, docs);
        try (LocalClusters clusters = new LocalClusters()) {
            TandemJob job =
                    new TandemJob(
                            new Configuration(),
                            Bench.withModel(new MeteredModel<>(inferenceCost, runId), cpuCost),
                            cpuWorkers,
                            inferenceWorkers,
                            List.of());
            Configuration cluster = new Configuration();
            // The graph's slots, plus the reader's when it is not chained, and the sink's.
            cluster.set(
                    TaskManagerOptions.NUM_TASK_SLOTS,
                    cpuWorkers + inferenceWorkers + (readers == cpuWorkers ? 0 : readers) + 1);
            cluster.set(PipelineOptions.GENERIC_TYPES, false);
            StreamExecutionEnvironment env = clusters.environment(cluster);
            DataStream<RawRecord> input =
                    env.fromSource(
                                    new FileInputSource(
                                            files,
                                            SourceOptions.ID_COLUMN.defaultValue(),
                                            SourceOptions.TEXT_COLUMN.defaultValue(),
                                            null),
                                    WatermarkStrategy.noWatermarks(),
                                    "input")
                            .setParallelism(readers);
            // At the CPU parallelism the input is chained to parse; narrower, rebalanced. Results
            // count as they arrive: put back in order, the results of byte ranges would leave in
            // bursts, a range's once the ranges before it are done, which bends an arrival slope
            // without changing the job's total time.
            job.annotate(input)
                    .sinkTo(new ArrivalSink(runId, false))
                    .name("arrivals")
                    .setParallelism(1);
            env.execute("bench " + name);
            if (recorder.arrivals() < docs) {
                throw new IllegalStateException(
                        "Benchmark run "
                                + name
                                + " delivered "
                                + recorder.arrivals()
                                + " documents, expected "
                                + docs);
            }
            return new Bench.Measured(recorder, meter);
        } finally {
            RunRecorder.stop(runId);
            MeteredModel.stop(runId);
        }
    }
}
