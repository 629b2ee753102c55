package io.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.deploy.cluster.ClusterProcess;
import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.PluginJar;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.cluster.TestClusterConfiguration;
import io.tandem.deploy.gpu.TestGpuDriverFactory;
import io.tandem.sample.SampleCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tandem's shaded job jar on a real standalone session cluster: a JobManager and two TaskManagers
 * as separate JVMs, configured with deploy/standalone/*.yaml, ONNX Runtime on the TaskManagers'
 * classpath (parent-first, as deploy/README.md recommends) and {@code ORT_DISABLE_TELEMETRY=1} in
 * their environment. The jar goes through the REST API, as {@code flink run} or a user would send
 * it. Each TaskManager declares two GPUs through Flink's external resource framework, reported by a
 * test driver installed as a plugin (no real GPU needed), so the inference subtasks bind to them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterITCase {
    private static final String ENTRY_CLASS = "io.tandem.job.cli.TandemCli";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private static final int DOCUMENTS = 400;

    @TempDir static Path dir;

    private static StandaloneCluster cluster;
    private static FlinkRest rest;
    private static String jarId;
    private static Path input;
    private static List<String> expectedOutput;
    private static List<String> expectedDeadLetters;

    @BeforeAll
    static void startClusterAndComputeTheExpectedOutput() throws Exception {
        Path jobJar = requiredFile("tandem.jobJar");
        // The jar clusters get: linux-x86_64 natives only, no Flink runtime (the cluster has it).
        Path clusterJobJar = requiredFile("tandem.clusterJobJar");
        String classpath =
                Files.readString(
                                requiredFile("tandem.clusterClasspathFile"), StandardCharsets.UTF_8)
                        .trim();

        input = writeInput(dir.resolve("notes.jsonl"));
        Path local = Files.createDirectories(dir.resolve("local")).resolve("out.jsonl");
        runLocally(jobJar, local);
        expectedOutput = Files.readAllLines(local);
        expectedDeadLetters = Files.readAllLines(local.resolveSibling("out.dead-letter.jsonl"));
        assertEquals(DOCUMENTS, expectedOutput.size(), "local run output");
        assertEquals(2, expectedDeadLetters.size(), "local run dead letters");

        Map<String, Object> configuration = TestClusterConfiguration.withSlots(2);
        // Metrics of running subtasks reach the REST API within half a second.
        configuration.put("metrics.fetcher.update-interval", "500");
        Path gpuPlugin =
                PluginJar.write(
                        dir.resolve("test-gpu-driver.jar"),
                        ExternalResourceDriverFactory.class,
                        TestGpuDriverFactory.class);

        cluster =
                StandaloneCluster.start(
                        new StandaloneCluster.Settings(
                                Files.createDirectories(dir.resolve("cluster")),
                                classpath,
                                configuration,
                                2,
                                // The fix for ONNX Runtime 1.29.0's crash on long command lines.
                                Map.of("ORT_DISABLE_TELEMETRY", "1"),
                                List.of("ORT_DISABLE_TELEMETRY"),
                                Map.of("test-gpu", gpuPlugin),
                                Duration.ofSeconds(90)));
        rest = cluster.rest();
        jarId = rest.uploadJar(clusterJobJar);
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void badCommandLineComesBackAsTheRestErrorAndTheJobManagerStays() throws Exception {
        Path output = dir.resolve("refused/out.jsonl");
        Files.createDirectories(output.getParent());
        IllegalStateException refused =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                rest.runJar(
                                        jarId,
                                        ENTRY_CLASS,
                                        List.of(
                                                "run",
                                                "--output",
                                                output.toString(),
                                                "--frobnicate")));

        assertTrue(
                refused.getMessage()
                        .contains("tandem: Unknown option: '--frobnicate' (exit code 2)"),
                refused.getMessage());
        // main ran inside the JobManager: an exit there would have taken it down.
        cluster.checkAlive();
    }

    @Test
    @Order(2)
    void defaultPipelineOnTheClusterWritesWhatALocalRunWrites() throws Exception {
        assertTaskManagersDeclareTwoGpus();
        for (ClusterProcess taskManager : cluster.taskManagers()) {
            // A TaskManager's command line is what makes ONNX Runtime's telemetry crash it.
            assertTrue(
                    taskManager.commandLineBytes() > 4096,
                    taskManager.name() + " command line: " + taskManager.commandLineBytes());
        }

        Path output = dir.resolve("first/out.jsonl");
        runToCompletion(output);

        assertOutputIsTheLocalOne(output);
        assertOneOnnxRuntimeLibraryPerTaskManager();
    }

    @Test
    @Order(3)
    void cancelledJobGivesWayToAResubmittedOneOnTheSameTaskManagers() throws Exception {
        Map<String, Long> taskManagerPids = taskManagerPids();
        Path cancelledOutput = dir.resolve("cancelled/out.jsonl");
        Files.createDirectories(cancelledOutput.getParent());
        String longJob =
                rest.runJar(jarId, ENTRY_CLASS, runArgs("sample:1000000", cancelledOutput));
        rest.awaitAllRunning(longJob, JOB_TIMEOUT, cluster::checkAlive);
        assertInferenceSubtasksBoundToDeclaredGpus(longJob);

        rest.cancel(longJob);
        assertEquals(
                "CANCELED", rest.awaitTerminalState(longJob, JOB_TIMEOUT, cluster::checkAlive));

        Path output = dir.resolve("resubmitted/out.jsonl");
        runToCompletion(output);

        assertOutputIsTheLocalOne(output);
        assertEquals(taskManagerPids, taskManagerPids(), "TaskManagers were restarted");
        assertOneOnnxRuntimeLibraryPerTaskManager();
    }

    private static void runToCompletion(Path output) throws Exception {
        Files.createDirectories(output.getParent());
        String jobId = rest.runJar(jarId, ENTRY_CLASS, runArgs(input.toString(), output));
        String state = rest.awaitTerminalState(jobId, JOB_TIMEOUT, cluster::checkAlive);
        assertEquals(
                "FINISHED",
                state,
                () -> {
                    try {
                        return "job "
                                + jobId
                                + ": "
                                + rest.failureCause(jobId)
                                + "\n"
                                + cluster.diagnostics();
                    } catch (IOException | InterruptedException e) {
                        return "job " + jobId + " (no failure cause: " + e + ")";
                    }
                });
    }

    private static List<String> runArgs(String inputSpec, Path output) {
        return TestClusterConfiguration.runWithSmallSlots(
                "run",
                "--input",
                inputSpec,
                "--output",
                output.toString(),
                "--cpu-workers",
                "2",
                "--gpu-workers",
                "2",
                "--no-progress");
    }

    private static void assertOutputIsTheLocalOne(Path output) throws IOException {
        // Same lines in the same order: the file sink writes from one subtask, on either
        // TaskManager, into this machine's file system, which every process shares.
        assertEquals(expectedOutput, Files.readAllLines(output), "output of " + output);
        assertEquals(
                expectedDeadLetters,
                Files.readAllLines(output.resolveSibling("out.dead-letter.jsonl")),
                "dead letters beside " + output);
    }

    private static void assertTaskManagersDeclareTwoGpus() throws Exception {
        JsonNode taskManagers = rest.taskManagers();
        assertEquals(2, taskManagers.size(), taskManagers.toString());
        for (JsonNode taskManager : taskManagers) {
            assertEquals(
                    2.0,
                    taskManager
                            .path("totalResource")
                            .path("extendedResources")
                            .path("gpu")
                            .asDouble(),
                    "GPUs declared by " + taskManager.path("id").asText() + ": " + taskManager);
        }
    }

    /**
     * Every inference subtask leased a GPU index that its TaskManager reported through the external
     * resource framework, and two subtasks of one TaskManager hold distinct GPUs.
     */
    private static void assertInferenceSubtasksBoundToDeclaredGpus(String jobId) throws Exception {
        String inference = rest.vertexId(jobId, "inference ner");
        JsonNode subtasks = rest.subtasks(jobId, inference);
        assertEquals(2, subtasks.size(), subtasks.toString());
        Map<String, Set<String>> gpusByTaskManager = new HashMap<>();
        for (JsonNode subtask : subtasks) {
            int index = subtask.path("subtask").asInt();
            String gpu = awaitMetric(jobId, inference, index, "tandemGpuIndex");
            assertTrue(
                    Set.of("0", "1").contains(gpu),
                    "inference subtask " + index + " bound to '" + gpu + "', not a declared GPU");
            String taskManager = subtask.path("taskmanager-id").asText();
            assertTrue(
                    gpusByTaskManager.computeIfAbsent(taskManager, k -> new HashSet<>()).add(gpu),
                    "GPU " + gpu + " of " + taskManager + " leased twice: " + gpusByTaskManager);
        }
    }

    private static String awaitMetric(String jobId, String vertexId, int subtask, String metric)
            throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            String value = rest.subtaskMetric(jobId, vertexId, subtask, metric);
            if (value != null) {
                return value;
            }
            cluster.checkAlive();
            Thread.sleep(250);
        }
        throw new AssertionError(
                "No metric " + metric + " for subtask " + subtask + " after " + JOB_TIMEOUT);
    }

    /**
     * ONNX Runtime comes from the TaskManager's classpath, so however many jobs ran, each
     * TaskManager mapped at most one copy of its native library.
     */
    private static void assertOneOnnxRuntimeLibraryPerTaskManager() throws IOException {
        long total = 0;
        for (ClusterProcess taskManager : cluster.taskManagers()) {
            long copies = taskManager.mappedCopiesOf("libonnxruntime.so");
            assertTrue(
                    copies <= 1, taskManager.name() + " loaded ONNX Runtime " + copies + " times");
            total += copies;
        }
        assertTrue(total >= 1, "no TaskManager loaded ONNX Runtime");
    }

    private static Map<String, Long> taskManagerPids() {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (ClusterProcess taskManager : cluster.taskManagers()) {
            assertTrue(taskManager.isAlive(), taskManager.name() + " " + taskManager.state());
            pids.put(taskManager.name(), taskManager.pid());
        }
        return pids;
    }

    /** Sample notes with two bad records among them, which go to the dead-letter file. */
    private static Path writeInput(Path file) throws IOException {
        SampleCorpus corpus = new SampleCorpus();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            lines.add(corpus.generate(i).toJsonLine());
            if (i == 100) {
                lines.add("{\"id\": \"broken\", \"text\": ");
            } else if (i == 250) {
                lines.add("{\"id\": \"no-text\"}");
            }
        }
        return Files.write(file, lines);
    }

    /** The same jar and arguments on a local MiniCluster: {@code java -jar tandem.jar run}. */
    private static void runLocally(Path jobJar, Path output) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // The MiniCluster's and ONNX Runtime's temporary files stay in this test's folder.
        command.add(
                "-Djava.io.tmpdir="
                        + Files.createDirectories(output.resolveSibling("tmp")).toString());
        command.add("-jar");
        command.add(jobJar.toString());
        command.addAll(runArgs(input.toString(), output));
        Path console = output.resolveSibling("console.txt");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(console.toFile());
        // As deploy/README.md recommends everywhere: ONNX Runtime's telemetry otherwise writes
        // /tmp/mat-debug-<pid>.log and under ~/.cache.
        builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process process = builder.start();
        try {
            assertTrue(process.waitFor(3, TimeUnit.MINUTES), "local run did not finish");
        } finally {
            process.destroyForcibly();
        }
        assertEquals(0, process.exitValue(), () -> "local run failed:\n" + readQuietly(console));
        assertFalse(Files.readAllLines(output).isEmpty(), "local run wrote nothing");
    }

    private static String readQuietly(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            return e.toString();
        }
    }

    private static Path requiredFile(String property) {
        String value = System.getProperty(property);
        if (value == null || !Files.isRegularFile(Path.of(value))) {
            throw new IllegalStateException(
                    "System property "
                            + property
                            + " must name an existing file, got '"
                            + value
                            + "' (run through Maven: mvn verify builds and passes it)");
        }
        return Path.of(value);
    }
}
