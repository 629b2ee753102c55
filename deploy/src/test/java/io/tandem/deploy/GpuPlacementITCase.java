package io.tandem.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.tandem.deploy.cluster.ClusterProcess;
import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.Placement;
import io.tandem.deploy.cluster.PluginJar;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.cluster.TestClusterConfiguration;
import io.tandem.deploy.gpu.TestGpuDriverFactory;
import io.tandem.job.hf.ThreeStagePipeline;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPU-aware placement on a heterogeneous standalone cluster (separate JVMs): TaskManager A declares
 * two GPUs through the external resource framework (a test driver installed as a plugin),
 * TaskManager B declares none. The inference slot sharing group asks for one {@code gpu} per
 * subtask, so Flink's fine-grained slot manager puts every inference subtask on A, and a job that
 * needs more GPUs than the cluster has fails without ever running inference on B. With two model
 * stages, subtask j of both stages' inference runs in one slot and shares its GPU; with three (the
 * real MiniLM encoder under {@link ThreeStagePipeline}'s known-answer heads), every answer holds on
 * the cluster too.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class GpuPlacementITCase {
    private static final String ENTRY_CLASS = "io.tandem.job.cli.TandemCli";
    private static final Duration JOB_TIMEOUT = Duration.ofMinutes(2);
    private static final String GPU_TASK_MANAGER = "taskmanager-1";
    private static final String CPU_TASK_MANAGER = "taskmanager-2";

    /** How long a slot request may stay unfulfilled before the job fails. */
    private static final Duration SLOT_REQUEST_TIMEOUT = Duration.ofSeconds(15);

    @TempDir static Path dir;

    private static StandaloneCluster cluster;
    private static FlinkRest rest;
    private static String jarId;

    @BeforeAll
    static void startAClusterWithOneGpuTaskManagerAndOneCpuTaskManager() throws Exception {
        Path jobJar = Path.of(System.getProperty("tandem.jobJar"));
        String classpath =
                Files.readString(
                                Path.of(System.getProperty("tandem.clusterClasspathFile")),
                                StandardCharsets.UTF_8)
                        .trim();

        // The job's slots below are sized to fit these TaskManagers.
        Map<String, Object> configuration = TestClusterConfiguration.withSlots(4);
        configuration.put("slot.request.timeout", SLOT_REQUEST_TIMEOUT.toMillis() + " ms");
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
                                Map.of("ORT_DISABLE_TELEMETRY", "1"),
                                List.of("ORT_DISABLE_TELEMETRY"),
                                Map.of("test-gpu", gpuPlugin),
                                Duration.ofSeconds(90),
                                // A: the shared GPU configuration. B: a CPU-only host's own.
                                List.of(Map.of(), Map.of("external-resources", "none"))));
        rest = cluster.rest();
        jarId = rest.uploadJar(jobJar);
    }

    @AfterAll
    static void stopCluster() throws InterruptedException {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void oneTaskManagerDeclaresTwoGpusAndTheOtherNone() throws Exception {
        assertEquals(Map.of(GPU_TASK_MANAGER, 2.0, CPU_TASK_MANAGER, 0.0), declaredGpus());
    }

    @Test
    @Order(2)
    void twoInferenceSubtasksRunOnTheGpuTaskManagerOnDistinctGpus() throws Exception {
        String jobId = submit(2, "two");
        try {
            rest.awaitAllRunning(jobId, JOB_TIMEOUT, cluster::checkAlive);
            Map<String, List<String>> placement = placement(jobId);
            System.out.println("Placement with 2 inference subtasks: " + placement);

            String inference = rest.vertexId(jobId, "inference ner");
            JsonNode subtasks = rest.subtasks(jobId, inference);
            assertEquals(2, subtasks.size(), subtasks.toString());
            Set<String> gpus = new HashSet<>();
            for (JsonNode subtask : subtasks) {
                int index = subtask.path("subtask").asInt();
                assertEquals(
                        GPU_TASK_MANAGER,
                        subtask.path("taskmanager-id").asText(),
                        "inference subtask " + index + ": " + placement);
                String gpu = awaitMetric(jobId, inference, index, "tandemGpuIndex");
                assertTrue(
                        Set.of("0", "1").contains(gpu),
                        "inference subtask " + index + " bound to '" + gpu + "'");
                assertTrue(gpus.add(gpu), "GPU " + gpu + " leased twice: " + placement);
            }
        } finally {
            rest.cancel(jobId);
            rest.awaitTerminalState(jobId, JOB_TIMEOUT, cluster::checkAlive);
        }
    }

    @Test
    @Order(3)
    void threeInferenceSubtasksFailForMissingGpusAndNeverRunOnTheCpuTaskManager() throws Exception {
        String jobId = submit(3, "three");
        try {
            String cause = awaitFailureCause(jobId);
            System.out.println("Failure with 3 inference subtasks on 2 GPUs: " + cause);
            assertTrue(
                    cause.contains(
                            "NoResourceAvailableException: Could not acquire the minimum required"
                                    + " resources"),
                    cause);
            // Flink names no resource; the job's log line at submission says which.
            String request =
                    Files.readAllLines(cluster.jobManager().logFile()).stream()
                            .filter(line -> line.contains("Slot resources: each of the 3 "))
                            .findFirst()
                            .orElseThrow(() -> new AssertionError("no slot resource line"));
            System.out.println("Job log at submission: " + request);
            assertTrue(request.contains("gpu=1"), request);
            assertTrue(request.contains("The cluster must declare at least 3 free gpu"), request);
        } finally {
            if (!Set.of("FAILED", "CANCELED", "FINISHED").contains(rest.jobState(jobId))) {
                rest.cancel(jobId);
            }
            rest.awaitTerminalState(jobId, JOB_TIMEOUT, cluster::checkAlive);
        }
        String cpuTaskManagerLog = Files.readString(taskManager(CPU_TASK_MANAGER).logFile());
        assertFalse(
                cpuTaskManagerLog.contains("inference ner ("),
                "an inference subtask was deployed to " + CPU_TASK_MANAGER);
    }

    @Test
    @Order(4)
    void twoModelStagesShareEachInferenceSlotAndItsGpu() throws Exception {
        Path pipeline =
                Files.writeString(
                        dir.resolve("two-stages.yaml"),
                        String.join(
                                "\n",
                                "components:",
                                "  - type: tokenizer",
                                "  - type: sentences",
                                "  - type: ner",
                                "  - type: negation",
                                "    languages: [en]",
                                "  - type: ner",
                                "    name: ner-2",
                                ""));
        String jobId = submit(2, "two-stages", "--pipeline", pipeline.toString());
        try {
            rest.awaitAllRunning(jobId, JOB_TIMEOUT, cluster::checkAlive);
            Placement placement = Placement.of(rest, jobId, Map.of());
            System.out.println("Placement with two model stages: " + placement(jobId));
            String first = rest.vertexId(jobId, "inference ner");
            String second = rest.vertexId(jobId, "inference ner-2");
            Set<String> gpus = new HashSet<>();
            for (int j = 0; j < 2; j++) {
                assertEquals(GPU_TASK_MANAGER, placement.taskManagerOf("inference ner-2", j));
                assertEquals(
                        placement.taskManagerOf("inference ner-2", j),
                        taskManagerOfVertex(placement, "inference ner", j));
                String gpu = awaitMetric(jobId, first, j, "tandemGpuIndex");
                assertEquals(
                        gpu,
                        awaitMetric(jobId, second, j, "tandemGpuIndex"),
                        "subtask " + j + " of both stages on one GPU");
                assertTrue(gpus.add(gpu), "GPU " + gpu + " of two subtask indices: " + gpus);
            }
            assertEquals(Set.of("0", "1"), gpus);
            // The slot's GPU is declared once per slot: two stages need no more GPUs than one.
            assertEquals(Map.of(GPU_TASK_MANAGER, 2.0, CPU_TASK_MANAGER, 0.0), declaredGpus());
        } finally {
            rest.cancel(jobId);
            rest.awaitTerminalState(jobId, JOB_TIMEOUT, cluster::checkAlive);
        }
    }

    @Test
    @Order(5)
    void threeModelStagesOnRealEncodersGiveTheKnownAnswersWithEachIndexOnOneTaskManager()
            throws Exception {
        // The exports, pipeline and notes in the test's folder, which the cluster's JVMs read.
        ThreeStagePipeline.Fixture fixture =
                ThreeStagePipeline.layOut(Files.createDirectories(dir.resolve("three-stages")));
        Path output = dir.resolve("three-stages/out.jsonl");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--input",
                                fixture.input().toString(),
                                "--output",
                                output.toString(),
                                "--pipeline",
                                fixture.pipeline().toString(),
                                "--cpu-workers",
                                "2",
                                "--gpu-workers",
                                "2",
                                "--batch-size",
                                "8 docs",
                                "--max-batch-delay",
                                "1h",
                                "--no-progress",
                                "-D",
                                "tandem.chain-consecutive-models=false"));
        args.addAll(SMALL_SLOTS);
        long start = System.nanoTime();
        String jobId = rest.runJar(jarId, ENTRY_CLASS, args);
        assertEquals(
                "FINISHED",
                // Generous: three MiniLM sessions per inference subtask on a shared machine.
                rest.awaitTerminalState(jobId, JOB_TIMEOUT.multipliedBy(3), cluster::checkAlive),
                () -> "job " + jobId + ": " + failureCause(jobId));
        System.out.printf(
                "Three-stage job on the cluster: %.1f s from submission%n",
                (System.nanoTime() - start) / 1e9);

        Placement placement = Placement.of(rest, jobId, Map.of());
        System.out.println("Placement with three model stages:\n" + placement.table());
        List<String> inference =
                List.of(
                        "inference ner",
                        "inference " + ThreeStagePipeline.NEGATED_BY_MODEL,
                        "inference " + ThreeStagePipeline.NOTE_TOPIC);
        for (String vertex : inference) {
            assertEquals(2, placement.parallelism(vertex), vertex + "\n" + placement.table());
        }
        for (int j = 0; j < 2; j++) {
            for (String vertex : inference) {
                assertEquals(
                        GPU_TASK_MANAGER,
                        taskManagerOfVertex(placement, vertex, j),
                        vertex + " #" + j + "\n" + placement.table());
            }
        }
        assertEquals(
                List.of(),
                Files.readAllLines(output.resolveSibling("out.dead-letter.jsonl")),
                "dead letters");
        System.out.println(
                ThreeStagePipeline.assertEveryKnownAnswer(fixture, Files.readAllLines(output)));
    }

    private static String failureCause(String jobId) {
        try {
            return rest.failureCause(jobId);
        } catch (Exception e) {
            return "failure cause unreadable: " + e;
        }
    }

    /** The TaskManager of subtask {@code index} of the vertex named exactly {@code name}. */
    private static String taskManagerOfVertex(Placement placement, String name, int index) {
        return placement.subtasks().stream()
                .filter(s -> s.vertex().equals(name) && s.index() == index)
                .map(Placement.Subtask::taskManager)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no subtask " + index + " of " + name));
    }

    /** Slots small enough for the test's TaskManagers (2 CPU slots and the inference slots). */
    private static final List<String> SMALL_SLOTS = new ArrayList<>();

    static {
        for (String option :
                List.of(
                        "tandem.slot-resources.gpu.cpu-cores=0.5",
                        "tandem.slot-resources.gpu.task-heap-memory=48m",
                        "tandem.slot-resources.gpu.task-off-heap-memory=16m",
                        "tandem.slot-resources.cpu.cpu-cores=0.5",
                        "tandem.slot-resources.cpu.task-heap-memory=48m",
                        "tandem.slot-resources.cpu.task-off-heap-memory=16m")) {
            SMALL_SLOTS.add("-D");
            SMALL_SLOTS.add(option);
        }
    }

    private static String submit(int inferenceSubtasks, String name, String... extra)
            throws Exception {
        Path output = Files.createDirectories(dir.resolve(name)).resolve("out.jsonl");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--input",
                                "sample:1000000",
                                "--output",
                                output.toString(),
                                "--cpu-workers",
                                "2",
                                "--gpu-workers",
                                Integer.toString(inferenceSubtasks),
                                "--no-progress"));
        args.addAll(List.of(extra));
        args.addAll(SMALL_SLOTS);
        return rest.runJar(jarId, ENTRY_CLASS, args);
    }

    /** Vertex name to the TaskManager of each of its subtasks, in subtask order. */
    private static Map<String, List<String>> placement(String jobId) throws Exception {
        Map<String, List<String>> placement = new LinkedHashMap<>();
        for (JsonNode vertex : rest.job(jobId).path("vertices")) {
            List<String> taskManagers = new ArrayList<>();
            for (JsonNode subtask : rest.subtasks(jobId, vertex.path("id").asText())) {
                taskManagers.add(subtask.path("taskmanager-id").asText());
            }
            placement.put(vertex.path("name").asText(), taskManagers);
        }
        return placement;
    }

    private static Map<String, Double> declaredGpus() throws Exception {
        Map<String, Double> gpus = new LinkedHashMap<>();
        for (JsonNode taskManager : rest.taskManagers()) {
            gpus.put(
                    taskManager.path("id").asText(),
                    taskManager
                            .path("totalResource")
                            .path("extendedResources")
                            .path("gpu")
                            .asDouble(0.0));
        }
        return gpus;
    }

    /** The job's first recorded failure; inference must never be placed on B meanwhile. */
    private static String awaitFailureCause(String jobId) throws Exception {
        long deadline = System.nanoTime() + JOB_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            assertNoInferenceOn(CPU_TASK_MANAGER, jobId);
            String cause = rest.failureCause(jobId);
            if (!cause.equals("no exception recorded")) {
                return cause;
            }
            cluster.checkAlive();
            Thread.sleep(500);
        }
        throw new AssertionError("Job " + jobId + " did not fail within " + JOB_TIMEOUT);
    }

    private static void assertNoInferenceOn(String taskManager, String jobId) throws Exception {
        for (JsonNode vertex : rest.job(jobId).path("vertices")) {
            if (!vertex.path("name").asText().startsWith("inference ")) {
                continue;
            }
            for (JsonNode subtask : rest.subtasks(jobId, vertex.path("id").asText())) {
                assertFalse(
                        taskManager.equals(subtask.path("taskmanager-id").asText()),
                        "inference subtask " + subtask.path("subtask") + " on " + taskManager);
            }
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
        throw new AssertionError("No metric " + metric + " for subtask " + subtask);
    }

    private static ClusterProcess taskManager(String name) {
        return cluster.taskManagers().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow();
    }
}
