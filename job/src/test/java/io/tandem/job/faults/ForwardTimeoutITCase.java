package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.FaultToleranceOptions;
import io.tandem.inference.ForwardTimeoutException;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.FileInputSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A forward pass that hangs is terminated at {@code tandem.forward-timeout} and fails its batch,
 * whose splitting leaves only the hanging document out, in both layouts; cancelling a job whose
 * forward pass hangs ends it within seconds, and the TaskManager runs the next job.
 */
class ForwardTimeoutITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCS = 64;
    private static final int MARKED = 37;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private Path input() throws Exception {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", "note-" + i);
            String text = "Patient " + i + " takes aspirin twice a day.";
            line.put("text", i == MARKED ? text + " " + FaultInjectingModel.MARKER : text);
            lines.add(line.toString());
        }
        Path file = dir.resolve("in.jsonl");
        Files.write(file, lines);
        return file;
    }

    private StreamExecutionEnvironment job(
            String name, FaultInjectingModel.Fault fault, Duration timeout, int gpuWorkers)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 64);
        options.set(FaultToleranceOptions.FORWARD_TIMEOUT, timeout);
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        new TandemJob(
                        options,
                        Pipeline.builder()
                                .tokenizer()
                                .model(new FaultInjectingModel(fault))
                                .build(),
                        1,
                        gpuWorkers,
                        List.of())
                .attach(
                        env,
                        FileInputSource.of(input()),
                        1,
                        new JsonLinesFileSink(
                                dir.resolve(name + ".out.jsonl"),
                                dir.resolve(name + ".dead.jsonl"),
                                true,
                                null));
        return env;
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void aHangingForwardPassIsTerminatedAndOnlyTheHangingDocumentIsLost(int gpuWorkers)
            throws Exception {
        FaultInjectingModel.reset();
        String name = "hang-" + gpuWorkers;
        long start = System.nanoTime();
        job(name, FaultInjectingModel.Fault.HANG_ON_MARKER, Duration.ofMillis(500), gpuWorkers)
                .execute(name);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;

        assertEquals(DOCS - 1, Files.readAllLines(dir.resolve(name + ".out.jsonl")).size());
        List<String> dead = Files.readAllLines(dir.resolve(name + ".dead.jsonl"));
        assertEquals(1, dead.size());
        JsonNode letter = JSON.readTree(dead.get(0));
        assertEquals("note-" + MARKED, letter.get("id").asText());
        assertEquals("forward", letter.get("stage").asText());
        assertEquals(ForwardTimeoutException.class.getName(), letter.get("error").asText());
        // The document failed alone in a pass that split its batch, under the retry limit: here
        // the full limit, as the retries never get more.
        assertEquals(
                "forward pass of model 'ner' ran past 500 ms, the limit of the passes that split a"
                        + " batch after it ran past tandem.forward-timeout (500 ms), and was"
                        + " terminated",
                letter.get("reason").asText());
        long hang = FaultInjectingModel.LAST_HANG_MILLIS.get();
        System.out.printf(
                "ForwardTimeoutITCase, %d inference subtasks: a hung forward pass ended %d ms"
                        + " after it began (limit 500 ms); the job of %d documents took %d ms%n",
                gpuWorkers, hang, DOCS, tookMillis);
        assertTrue(hang >= 450 && hang < 5_000, hang + " ms");
    }

    @Test
    void cancellingAJobWhoseForwardPassHangsEndsItWithinSecondsAndTheTaskManagerGoesOn()
            throws Exception {
        FaultInjectingModel.reset();
        JobClient client =
                job("cancel", FaultInjectingModel.Fault.HANG_ALWAYS, Duration.ofMinutes(10), 1)
                        .executeAsync("cancel");
        assertTrue(
                FaultInjectingModel.hanging.await(60, TimeUnit.SECONDS),
                "a forward pass began to hang");
        long start = System.nanoTime();
        client.cancel().get(30, TimeUnit.SECONDS);
        JobStatus status = client.getJobStatus().get();
        while (!status.isGloballyTerminalState()) {
            Thread.sleep(20);
            status = client.getJobStatus().get();
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        System.out.printf(
                "ForwardTimeoutITCase: a job with a hung forward pass (limit 10 min) was %s"
                        + " %d ms after cancel%n",
                status, tookMillis);
        assertEquals(JobStatus.CANCELED, status);
        assertTrue(tookMillis < 10_000, "cancelled after " + tookMillis + " ms");

        // The TaskManager was not killed: the same cluster runs the next job.
        FaultInjectingModel.reset();
        job("after", FaultInjectingModel.Fault.THROW_ON_MARKER, Duration.ofSeconds(30), 1)
                .execute("after");
        assertEquals(DOCS - 1, Files.readAllLines(dir.resolve("after.out.jsonl")).size());
    }
}
