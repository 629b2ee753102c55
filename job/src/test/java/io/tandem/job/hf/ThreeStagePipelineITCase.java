package io.tandem.job.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.batching.BatchingOptions;
import io.tandem.job.Inputs;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.source.SourceOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ThreeStagePipeline} ({@code ner}, {@code negation}, a classifier on entities, a classifier
 * on the document) on the MiniCluster. By default each model is a stage of its own; with {@code
 * tandem.chain-consecutive-models: true} the two classifiers are one stage after {@code ner}'s.
 * Every run, in place (C = 0) or split (P = 2, C = 1), chained or not, writes the same lines, and
 * every entity, qualifier and class is the one the notes were built with.
 */
class ThreeStagePipelineITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final int PRODUCERS = 2;

    private static final String NEGATED_BY_MODEL = ThreeStagePipeline.NEGATED_BY_MODEL;

    @TempDir static Path dir;
    static ThreeStagePipeline.Fixture fixture;

    /** Split, each model a stage: three batcher → inference → join rounds. */
    static final List<String> THREE_STAGES =
            List.of(
                    "Source: input",
                    "parse and annotate -> batcher ner",
                    "inference ner",
                    "join ner -> batcher " + NEGATED_BY_MODEL,
                    "inference " + NEGATED_BY_MODEL,
                    "join " + NEGATED_BY_MODEL + " -> batcher note_topic",
                    "inference note_topic",
                    "join note_topic",
                    "output: Writer");

    @BeforeAll
    static void fitTheHeadsOnMiniLmAndWriteTheNotes() throws Exception {
        fixture = ThreeStagePipeline.layOut(dir);
    }

    /** A run's vertex names and output lines. */
    record Run(List<String> vertices, List<String> lines) {}

    /**
     * @param chainConsecutiveModels whether the two classifiers are one stage, or null for the
     *     default
     */
    private static Run run(String name, int gpuWorkers, Boolean chainConsecutiveModels)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "8 docs");
        // Batches cut by size and end of input only, never by a timer, so that each batch holds
        // the same documents in every run: the quantized MiniLM quantizes a batch with one scale.
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofHours(1));
        options.set(BatchingOptions.DETERMINISTIC, true);
        if (chainConsecutiveModels != null) {
            options.set(BatchingOptions.CHAIN_CONSECUTIVE_MODELS, chainConsecutiveModels);
        }
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        TandemJob job =
                new TandemJob(
                        options,
                        PipelineConfig.load(fixture.pipeline()),
                        PRODUCERS,
                        gpuWorkers,
                        List.of());
        Inputs inputs =
                Inputs.resolve(
                        fixture.input().toString(),
                        null,
                        SourceOptions.ID_COLUMN.defaultValue(),
                        SourceOptions.TEXT_COLUMN.defaultValue(),
                        PRODUCERS);
        Path out = dir.resolve(name + ".jsonl");
        Path dead = dir.resolve(name + ".dead.jsonl");
        job.annotate(
                        env.fromSource(inputs.source(), WatermarkStrategy.noWatermarks(), "input")
                                .setParallelism(inputs.parallelism()))
                .sinkTo(new JsonLinesFileSink(out, dead, true, null))
                .name("output")
                .setParallelism(1);
        StreamGraph graph = env.getStreamGraph();
        graph.setJobName(name);
        JobGraph jobGraph = graph.getJobGraph();
        List<String> vertices = new ArrayList<>();
        jobGraph.getVerticesSortedTopologicallyFromSources()
                .forEach(vertex -> vertices.add(vertex.getName()));
        System.out.println(name + " job graph: " + String.join(" | ", vertices));
        env.execute(graph);
        assertEquals(
                List.of(),
                Files.exists(dead) ? Files.readAllLines(dead) : List.of(),
                name + " dead letters");
        return new Run(vertices, Files.readAllLines(out));
    }

    @Test
    void bothLayoutsChainedOrNotWriteTheSameLinesAndEveryKnownAnswer() throws Exception {
        Run inPlaceChained = run("in-place-chained", 0, true);
        Run splitChained = run("split-chained", 1, true);
        Run inPlaceStages = run("in-place-stages", 0, null);
        Run splitStages = run("split-stages", 1, null);

        assertEquals(THREE_STAGES, splitStages.vertices(), "by default a stage per model");
        assertEquals(
                List.of(
                        "Source: input",
                        "parse and annotate -> batcher ner",
                        "inference ner",
                        "join ner -> batcher " + NEGATED_BY_MODEL + "+note_topic",
                        "inference " + NEGATED_BY_MODEL + "+note_topic",
                        "join " + NEGATED_BY_MODEL + "+note_topic",
                        "output: Writer"),
                splitChained.vertices(),
                "chained, the two classifiers are one stage after ner's");
        assertEquals(
                List.of(
                        "Source: input",
                        "parse and annotate -> batcher and inference ner -> batcher and inference "
                                + NEGATED_BY_MODEL
                                + "+note_topic",
                        "output: Writer"),
                inPlaceChained.vertices());
        assertEquals(
                List.of(
                        "Source: input",
                        "parse and annotate -> batcher and inference ner -> batcher and inference "
                                + NEGATED_BY_MODEL
                                + " -> batcher and inference note_topic",
                        "output: Writer"),
                inPlaceStages.vertices());

        assertEquals(inPlaceChained.lines(), splitChained.lines(), "chained, line for line");
        assertEquals(inPlaceStages.lines(), splitStages.lines(), "stages, line for line");
        assertEquals(inPlaceChained.lines(), inPlaceStages.lines(), "chained or not");
        System.out.println(ThreeStagePipeline.assertEveryKnownAnswer(fixture, splitStages.lines()));
    }
}
