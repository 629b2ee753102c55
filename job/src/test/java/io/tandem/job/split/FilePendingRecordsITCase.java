package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.FileInputSource;
import io.tandem.source.InputFiles;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source's backlog as Flink's autoscaler reads it: {@code pendingRecords} of the vertex
 * that holds the source, summed over its subtasks, from the MiniCluster's REST API while a file job
 * runs. The rules sleep for each document, so the job takes about as long on a loaded machine and
 * the backlog is read many times on its way down.
 */
class FilePendingRecordsITCase {
    private static final int RECORDS = 2000;
    private static final int CPU_WORKERS = 2;

    /** About 130 lines a split, so the enumerator holds most of the input at first. */
    private static final long SPLIT_BYTES = 8 * 1024;

    /**
     * More than one split's records: while a split travels to a reader, the sum may miss it or
     * count it twice for a moment.
     */
    private static final long SPLIT_IN_FLIGHT = 200;

    private static final Duration PATIENCE = Duration.ofSeconds(60);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(RestMetrics.clusterConfiguration())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(CPU_WORKERS)
                            .build());

    @TempDir Path dir;

    /** One read of the source vertex: its backlog and the records its source emitted. */
    private record Sample(long pending, long emitted) {}

    @Test
    void aFileJobReportsAsPendingRecordsTheRecordsItHasNotReadAndCountsThemDown(
            @InjectClusterRESTAddress URI rest) throws Exception {
        Path in = dir.resolve("notes.jsonl");
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < RECORDS; i++) {
            lines.append(
                    String.format("{\"id\": \"d%05d\", \"text\": \"Patient denies fever.\"}%n", i));
        }
        Files.writeString(in, lines);
        Path out = dir.resolve("out.jsonl");
        Path dead = dir.resolve("out.dead-letter.jsonl");
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Pipeline pipeline =
                Pipeline.builder().tokenizer().add(new BusyTimeITCase.SleepingRules(10)).build();
        new TandemJob(new Configuration(), pipeline, CPU_WORKERS)
                .attach(
                        env,
                        new FileInputSource(
                                new InputFiles(in.toString(), null, SPLIT_BYTES),
                                "id",
                                "text",
                                null),
                        CPU_WORKERS,
                        new JsonLinesFileSink(out, dead, true, null));
        JobClient client = env.executeAsync("pending-records");

        RestMetrics metrics = new RestMetrics(rest, client.getJobID().toHexString());
        String source = awaitSourceVertex(metrics);
        String pendingId = awaitMetric(metrics, source, ".pendingRecords");
        String emittedId =
                pendingId.substring(0, pendingId.length() - "pendingRecords".length())
                        + "numRecordsOut";
        List<Sample> samples = new ArrayList<>();
        while (!client.getJobStatus().get().isGloballyTerminalState()) {
            Map<String, Double> sums = metrics.sums(source, List.of(pendingId, emittedId));
            if (sums.size() == 2) {
                Sample sample =
                        new Sample(
                                sums.get(pendingId).longValue(), sums.get(emittedId).longValue());
                // Nothing emitted and nothing pending: the enumerator is still counting.
                if (sample.pending() > 0 || sample.emitted() > 0) {
                    samples.add(sample);
                }
            }
            Thread.sleep(500);
        }
        client.getJobExecutionResult().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        System.out.println("pendingRecords and records emitted while it ran: " + samples);

        assertTrue(samples.size() >= 3, "too few reads of the backlog while it ran: " + samples);
        for (Sample sample : samples) {
            assertTrue(
                    sample.pending() >= 0 && sample.pending() <= RECORDS,
                    "pendingRecords "
                            + sample.pending()
                            + " outside 0.."
                            + RECORDS
                            + ": "
                            + samples);
            assertTrue(
                    Math.abs(sample.pending() + sample.emitted() - RECORDS) <= SPLIT_IN_FLIGHT,
                    "pendingRecords "
                            + sample.pending()
                            + " plus the "
                            + sample.emitted()
                            + " records emitted, expected "
                            + RECORDS
                            + " within "
                            + SPLIT_IN_FLIGHT
                            + ": "
                            + samples);
        }
        assertTrue(samples.get(0).pending() > 0, "no backlog at first: " + samples);
        assertTrue(
                samples.get(samples.size() - 1).pending() < samples.get(0).pending(),
                "the backlog did not go down: " + samples);
        assertEquals(
                RECORDS,
                Files.readAllLines(out).size() + Files.readAllLines(dead).size(),
                "every record reached the output or the dead letters");
    }

    /** The id of the vertex that holds the source, once the job graph is served. */
    private static String awaitSourceVertex(RestMetrics metrics) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            Map<String, String> vertices = metrics.vertices();
            for (Map.Entry<String, String> vertex : vertices.entrySet()) {
                if (vertex.getValue().startsWith("Source: input")) {
                    return vertex.getKey();
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no source vertex in " + vertices);
            }
            Thread.sleep(500);
        }
    }

    /** The id of the source vertex's metric ending in {@code suffix}, once the REST API has it. */
    private static String awaitMetric(RestMetrics metrics, String vertex, String suffix)
            throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (true) {
            List<String> ids = metrics.metricIds(vertex);
            for (String id : ids) {
                if (id.endsWith(suffix)) {
                    return id;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no metric ending in " + suffix + " among " + ids);
            }
            Thread.sleep(500);
        }
    }
}
