package io.tandem.deploy.cluster;

import io.tandem.deploy.config.FlinkYaml;
import io.tandem.deploy.gpu.TestGpuDriverFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Flink configuration every standalone-cluster test starts from: deploy/'s own {@code
 * standalone/config.yaml} and {@code gpu-taskmanager.yaml}, so that the tests run what users run,
 * sized for a small CI machine, with the test GPU driver in place of Flink's (which needs
 * nvidia-smi) reporting GPUs 0 and 1 on each TaskManager. Tests add what is theirs.
 */
public final class TestClusterConfiguration {
    private TestClusterConfiguration() {}

    /** The deploy/ folder, as the build passes it to the tests. */
    public static Path deployDir() {
        return Path.of(System.getProperty("tandem.deployDir"));
    }

    /** A new, modifiable configuration with {@code slots} slots per TaskManager. */
    public static Map<String, Object> withSlots(int slots) throws IOException {
        Path deployDir = deployDir();
        Map<String, Object> configuration = new LinkedHashMap<>();
        configuration.putAll(
                FlinkYaml.readConfiguration(deployDir.resolve("standalone/config.yaml")));
        configuration.putAll(
                FlinkYaml.readConfiguration(deployDir.resolve("standalone/gpu-taskmanager.yaml")));
        configuration.put("jobmanager.memory.process.size", "768m");
        configuration.put("taskmanager.memory.process.size", "1280m");
        configuration.put("taskmanager.memory.task.off-heap.size", "128m");
        configuration.put("taskmanager.numberOfTaskSlots", String.valueOf(slots));
        configuration.put("external-resource.gpu.amount", "2");
        configuration.put(
                "external-resource.gpu.driver-factory.class", TestGpuDriverFactory.class.getName());
        configuration.put("external-resource.gpu.param.indices", List.of("0", "1"));
        return configuration;
    }

    /**
     * {@code tandem run} {@code args} with slot resources declared small enough for these
     * TaskManagers (a local run ignores them).
     */
    public static List<String> runWithSmallSlots(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(
                List.of(
                        "-D",
                        "tandem.slot-resources.gpu.task-heap-memory=64m",
                        "-D",
                        "tandem.slot-resources.gpu.task-off-heap-memory=32m",
                        "-D",
                        "tandem.slot-resources.cpu.task-heap-memory=64m",
                        "-D",
                        "tandem.slot-resources.cpu.task-off-heap-memory=16m"));
        return all;
    }
}
