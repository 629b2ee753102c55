package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.batching.BatchingOptions;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.SampleSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A pipeline of two model stages with a rule component between them (NER, then negation, then a
 * second model that tallies the negated entities it finds): both layouts give the same output line
 * for line, in deterministic and unordered modes; deterministic mode keeps input order although
 * each stage sorts its chunks by length; and a failure of the second stage's inference task
 * restarts the job from a checkpoint with every document exactly once.
 *
 * <p>{@link #twoStages} is a builder: a test of more stages adds its components to it.
 */
class StagedPipelineITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    private static final int DOCS = 600;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    /**
     * Tokens, sentences and norms; the tiny NER model; negation, which qualifies what the NER model
     * found; then {@code second}, a model stage of its own.
     */
    static Pipeline.Builder twoStages(ModelComponent<?> second) {
        return Pipeline.builder()
                .tokenizer()
                .sentences()
                .normalizer()
                .model(OnnxTokenClassifier.tiny())
                .negation("en", "fr")
                .model(second);
    }

    static EntityTallyModel secondNer() {
        return new EntityTallyModel();
    }

    /** A run's output and dead-letter lines. */
    private record Run(List<String> lines, List<String> deadLetters) {
        List<String> ids() {
            return lines.stream().map(StagedPipelineITCase::idOf).toList();
        }
    }

    static String idOf(String line) {
        int start = line.indexOf("\"id\":\"") + 6;
        return line.substring(start, line.indexOf('"', start));
    }

    /**
     * Runs {@code pipeline} over {@code docs} sample notes.
     *
     * @param inputOrder whether the sink writes lines in input order (else as they arrive)
     * @param paceUntilCheckpoints how many checkpoints must complete before the input runs at full
     *     speed (a failure that waits for them must find documents still coming)
     */
    private Run run(
            String name,
            Pipeline pipeline,
            int docs,
            int cpuWorkers,
            int gpuWorkers,
            boolean deterministic,
            boolean inputOrder,
            Configuration cluster,
            int paceUntilCheckpoints)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 32);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        options.set(BatchingOptions.DETERMINISTIC, deterministic);
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        TandemJob job = new TandemJob(options, pipeline, cpuWorkers, gpuWorkers, List.of());
        DataStream<io.tandem.source.RawRecord> input =
                env.fromSource(SampleSource.create(docs), WatermarkStrategy.noWatermarks(), "input")
                        .setParallelism(1)
                        .map(
                                new ExactlyOnceAfterFailureITCase.TestingCheckpointCounter(
                                        paceUntilCheckpoints))
                        .setParallelism(1);
        Path out = dir.resolve(name + ".jsonl");
        Path dead = dir.resolve(name + ".dead.jsonl");
        job.annotate(input)
                .sinkTo(new JsonLinesFileSink(out, dead, inputOrder, null))
                .setParallelism(1);
        env.execute(name);
        return new Run(
                Files.readAllLines(out), Files.exists(dead) ? Files.readAllLines(dead) : List.of());
    }

    private Run run(String name, int cpuWorkers, int gpuWorkers, boolean deterministic)
            throws Exception {
        return run(
                name,
                twoStages(secondNer()).build(),
                DOCS,
                cpuWorkers,
                gpuWorkers,
                deterministic,
                deterministic,
                new Configuration(),
                0);
    }

    private static List<String> sampleIds(int docs) {
        return IntStream.range(0, docs).mapToObj(i -> "sample-" + i).toList();
    }

    @Test
    void bothLayoutsGiveTheSameOutputInDeterministicAndUnorderedModes() throws Exception {
        Run inPlace = run("in-place", 2, 0, true);
        Run split = run("split", 2, 1, true);
        Run inPlaceUnordered = run("in-place-unordered", 2, 0, false);
        Run splitUnordered = run("split-unordered", 2, 1, false);

        assertEquals(sampleIds(DOCS), inPlace.ids(), "input order");
        assertEquals(List.of(), inPlace.deadLetters());
        assertEquals(inPlace.lines(), split.lines(), "line for line");
        assertEquals(new TreeSet<>(inPlace.lines()), new TreeSet<>(inPlaceUnordered.lines()));
        assertEquals(new TreeSet<>(inPlace.lines()), new TreeSet<>(splitUnordered.lines()));
        assertEquals(DOCS, splitUnordered.lines().size());
        assertEquals(DOCS, inPlaceUnordered.lines().size());
        // The first stage found entities, the rule component between the stages qualified them,
        // and the second stage saw them qualified.
        String all = String.join("\n", inPlace.lines());
        assertTrue(all.contains("\"source\":\"ner\""), "entities of the first stage");
        long withNegated = 0;
        for (String line : inPlace.lines()) {
            JsonNode tally = JSON.readTree(line).path("vectors").path(EntityTallyModel.NAME);
            assertEquals(2, tally.size(), "the second stage's vector on " + idOf(line));
            withNegated += tally.get(1).asDouble() > 0 ? 1 : 0;
        }
        assertTrue(withNegated > 0, "the second stage saw negated entities");
    }

    @Test
    void deterministicModeRestoresInputOrderAfterTheSecondStageSortedItsChunks() throws Exception {
        // One producer and a sink that writes lines as they arrive: the order is the last join's.
        Pipeline pipeline = twoStages(secondNer()).build();
        Run ordered = run("ordered", pipeline, DOCS, 1, 1, true, false, new Configuration(), 0);
        Run unordered =
                run("unordered", pipeline, DOCS, 1, 1, false, false, new Configuration(), 0);

        assertEquals(sampleIds(DOCS), ordered.ids());
        assertEquals(new TreeSet<>(ordered.lines()), new TreeSet<>(unordered.lines()));
        assertNotEquals(sampleIds(DOCS), unordered.ids(), "the stages sort each chunk by length");
    }

    @Test
    void aFailedSecondStageRestartsFromACheckpointWithEveryDocumentOnce() throws Exception {
        int docs = 1000;
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(150));
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        cluster.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));

        TestingSlowModel.reset();
        Run expected =
                run(
                        "reference",
                        twoStages(new TestingSlowModel(0, null)).build(),
                        docs,
                        2,
                        1,
                        true,
                        true,
                        cluster.clone(),
                        0);
        TestingSlowModel.reset();
        ExactlyOnceAfterFailureITCase.CHECKPOINTS.set(0);
        Run recovered =
                run(
                        "recovered",
                        twoStages(
                                        new TestingSlowModel(
                                                15,
                                                () ->
                                                        ExactlyOnceAfterFailureITCase.CHECKPOINTS
                                                                        .get()
                                                                >= 2))
                                .build(),
                        docs,
                        2,
                        1,
                        true,
                        true,
                        cluster.clone(),
                        2);

        assertTrue(TestingSlowModel.FAILED.get(), "the failure was injected");
        assertEquals(docs, expected.lines().size());
        Set<String> ids = new HashSet<>();
        List<String> duplicates = new ArrayList<>();
        for (String id : recovered.ids()) {
            if (!ids.add(id)) {
                duplicates.add(id);
            }
        }
        assertEquals(List.of(), duplicates);
        assertEquals(docs, ids.size());
        assertEquals(expected.lines(), recovered.lines());
    }
}
