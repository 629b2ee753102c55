package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.batching.BatchingOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.SampleSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * With a slow forward pass, documents awaiting outputs stay under the cap (credits per producer
 * times documents per batch): the CPU task set is backpressured instead of buffering.
 */
class BoundedMemoryITCase {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    @Test
    void documentsAwaitingOutputsStayUnderTheCap() throws Exception {
        TestingSlowModel.reset();
        int docs = 480;
        int docsPerBatch = 8;
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, docsPerBatch + " docs");
        options.set(BatchingOptions.CHUNK_SIZE, docsPerBatch);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        options.set(BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK, 2);
        // P = 2, C = 1: one link per producer, so 2 credits per producer.
        int cap = 2 * docsPerBatch;
        Pipeline pipeline =
                Pipeline.builder().tokenizer().model(new TestingSlowModel(25, null)).build();
        Configuration cluster = new Configuration();
        // Every record on Tandem's edges has a dedicated serializer: fail rather than use Kryo.
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Path out = dir.resolve("out.jsonl");
        new TandemJob(options, pipeline, 2, 1, List.of())
                .attach(
                        env,
                        SampleSource.create(docs),
                        2,
                        new JsonLinesFileSink(out, dir.resolve("dead.jsonl"), true, null));
        JobID job = env.execute("bounded-memory").getJobID();

        assertEquals(docs, Files.readAllLines(out).size());
        Map<String, Metric> awaiting =
                REPORTER.findMetrics(job, "tandemDocumentsAwaitingOutputsMax");
        assertEquals(2, awaiting.size(), "one join per producer: " + awaiting.keySet());
        for (Metric metric : awaiting.values()) {
            long max = ((Number) ((Gauge<?>) metric).getValue()).longValue();
            assertTrue(max <= cap, "documents awaiting outputs " + max + " over the cap " + cap);
            // The slow GPU really backpressured: the producer used its credits.
            assertTrue(max >= docsPerBatch, "max awaiting " + max);
        }
        assertTrue(TestingSlowModel.FORWARDS.get() >= docs / docsPerBatch);
    }
}
