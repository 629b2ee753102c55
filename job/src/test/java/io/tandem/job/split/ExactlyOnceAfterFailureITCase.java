package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.batching.BatchCredits;
import io.tandem.batching.BatchingOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import io.tandem.source.SampleSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The inference task dies once, after a checkpoint completed and while batches are in flight; the
 * job restarts from that checkpoint and every document appears exactly once in the output, which
 * equals the output of a run without failure. The documents each batcher handed over to its join in
 * the JVM go with their attempt: after the failover, and after a cancellation, the registry holds
 * nothing of the job.
 */
class ExactlyOnceAfterFailureITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    static final AtomicInteger CHECKPOINTS = new AtomicInteger();

    /**
     * Counts completed checkpoints, so the failure comes after one. Until {@code paceUntil}
     * checkpoints have completed it holds each record back a few milliseconds: a bounded input must
     * not run out before the checkpoints a failure waits for, on however loaded a machine. Barriers
     * pass between records, so the checkpoints still complete.
     */
    static final class TestingCheckpointCounter
            implements MapFunction<RawRecord, RawRecord>, CheckpointListener {
        private final int paceUntil;

        TestingCheckpointCounter(int paceUntil) {
            this.paceUntil = paceUntil;
        }

        @Override
        public RawRecord map(RawRecord value) throws InterruptedException {
            if (CHECKPOINTS.get() < paceUntil) {
                Thread.sleep(5);
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @TempDir Path dir;

    /** The job of the last {@link #run}. */
    private JobID lastJob;

    /**
     * Runs {@code docs} sample documents through {@code model}, holding records back until {@code
     * paceUntilCheckpoints} checkpoints have completed.
     */
    private List<String> run(
            String name, int docs, TestingSlowModel model, int paceUntilCheckpoints)
            throws Exception {
        StreamExecutionEnvironment env = environment(name, docs, model, paceUntilCheckpoints);
        lastJob = env.execute(name).getJobID();
        return Files.readAllLines(dir.resolve(name + ".jsonl"));
    }

    /** The job reading {@code docs} sample documents through {@code model}, not yet started. */
    private StreamExecutionEnvironment environment(
            String name, int docs, TestingSlowModel model, int paceUntilCheckpoints) {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 32);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        Configuration cluster = new Configuration();
        // Every record on Tandem's edges has a dedicated serializer: fail rather than use Kryo.
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(150));
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        cluster.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .normalizer()
                        .model(model)
                        .negation("en", "fr")
                        .build();
        TandemJob job = new TandemJob(options, pipeline, 2, 1, List.of());
        DataStream<RawRecord> input =
                env.fromSource(SampleSource.create(docs), WatermarkStrategy.noWatermarks(), "input")
                        .setParallelism(2)
                        .map(new TestingCheckpointCounter(paceUntilCheckpoints))
                        .setParallelism(2);
        Path out = dir.resolve(name + ".jsonl");
        DataStream<Result> results = job.annotate(input);
        results.sinkTo(new JsonLinesFileSink(out, dir.resolve(name + ".dead.jsonl"), true, null))
                .setParallelism(1);
        return env;
    }

    @Test
    void everyDocumentExactlyOnceAfterAFailureWithBatchesInFlight() throws Exception {
        int docs = 1500;
        TestingSlowModel.reset();
        List<String> expected = run("reference", docs, new TestingSlowModel(0, null), 0);

        TestingSlowModel.reset();
        CHECKPOINTS.set(0);
        List<String> recovered =
                run("recovered", docs, new TestingSlowModel(15, () -> CHECKPOINTS.get() >= 2), 2);

        assertTrue(TestingSlowModel.FAILED.get(), "the failure was injected");
        assertEquals(docs, expected.size());
        Set<String> ids = new HashSet<>();
        for (String line : recovered) {
            assertTrue(
                    ids.add(line.substring(0, line.indexOf(",\"entities\""))),
                    "duplicate: " + line);
        }
        assertEquals(docs, ids.size());
        assertEquals(expected, recovered);
        assertEquals(
                0,
                BatchCredits.entriesOfJob(lastJob.toString()),
                "no credits or handed-over documents of the failed or the restarted attempt left");
    }

    @Test
    @Timeout(value = 5, unit = TimeUnit.MINUTES)
    void aCancelledJobLeavesNoHandedOverDocumentsInTheJvm() throws Exception {
        TestingSlowModel.reset();
        JobClient client =
                environment("cancelled", 100_000, new TestingSlowModel(20, null), 0)
                        .executeAsync("cancelled");
        String job = client.getJobID().toString();
        // Batches are in flight: the slow forward pass holds the credits' worth of them, their
        // documents handed over and waiting at the join.
        while (TestingSlowModel.FORWARDS.get() < 5) {
            Thread.sleep(20);
        }
        assertTrue(BatchCredits.entriesOfJob(job) > 0, "the running job's entries");

        client.cancel().get();
        while (!client.getJobStatus().get().isGloballyTerminalState()) {
            Thread.sleep(20);
        }
        assertEquals(JobStatus.CANCELED, client.getJobStatus().get());
        assertEquals(0, BatchCredits.entriesOfJob(job), "every task's entry went when it closed");
    }
}
