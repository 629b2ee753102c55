package io.tandem.deploy.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.deploy.config.DeployConfigurations.Found;
import io.tandem.deploy.config.DeployConfigurations.Problem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Flink configuration in deploy/ (configuration files and the {@code flinkConfiguration} of
 * each manifest) uses keys Flink knows, with values their options accept, so that a renamed or
 * misspelled key fails the build instead of being silently ignored by a cluster.
 */
class DeployConfigurationTest {
    private static FlinkConfigKeys keys;
    private static Path deployDir;

    @TempDir Path temp;

    @BeforeAll
    static void collectFlinkOptions() {
        keys = FlinkConfigKeys.fromClasspath();
        deployDir = Path.of(System.getProperty("tandem.deployDir", "."));
    }

    @Test
    void everyConfigurationInDeployUsesKeysFlinkKnows() throws Exception {
        List<Path> files = DeployConfigurations.yamlFiles(deployDir);
        List<Problem> problems = DeployConfigurations.check(files, keys);
        assertTrue(
                problems.isEmpty(),
                () ->
                        problems.size()
                                + " problems:\n"
                                + problems.stream()
                                        .map(Problem::toString)
                                        .collect(Collectors.joining("\n")));
    }

    @Test
    void theCheckSeesEveryManifestAndConfigurationFile() throws Exception {
        List<Path> files = DeployConfigurations.yamlFiles(deployDir);
        List<Path> relative = files.stream().map(deployDir::relativize).toList();
        assertTrue(
                relative.contains(Path.of("standalone/config.yaml"))
                        && relative.contains(Path.of("standalone/gpu-taskmanager.yaml"))
                        && relative.contains(Path.of("standalone/zookeeper-ha.yaml")),
                "standalone configuration files: " + relative);
        List<Path> manifests =
                files.stream()
                        .filter(file -> deployDir.relativize(file).startsWith("kubernetes"))
                        .toList();
        assertEquals(5, manifests.size(), "manifests: " + manifests);
        for (Path manifest : manifests) {
            List<Found> found = DeployConfigurations.configurationsIn(manifest);
            assertEquals(1, found.size(), manifest + ": " + found);
            assertTrue(
                    found.get(0).where().startsWith("FlinkDeployment "),
                    manifest + ": " + found.get(0).where());
            assertTrue(!found.get(0).entries().isEmpty(), manifest + " has no configuration");
        }
    }

    @Test
    void thePrometheusReporterConfigurationNamesAReporterFactoryFlinkShips() throws Exception {
        Path file = deployDir.resolve("prometheus/flink-prometheus.yaml");
        List<Found> found = DeployConfigurations.configurationsIn(file);
        String factory =
                String.valueOf(found.get(0).entries().get("metrics.reporter.prom.factory.class"));
        assertTrue(
                org.apache.flink.metrics.reporter.MetricReporterFactory.class.isAssignableFrom(
                        Class.forName(factory)),
                factory + " is no MetricReporterFactory");
    }

    @Test
    void knownKeysComeFromFlinksAndTandemsOwnOptions() {
        assertTrue(keys.optionCount() > 500, "only " + keys.optionCount() + " options found");
        assertTrue(
                keys.optionClasses().contains("org.apache.flink.configuration.TaskManagerOptions"),
                keys.optionClasses().toString());
        for (String tandemOptions :
                List.of("io.tandem.batching.BatchingOptions", "io.tandem.job.kafka.KafkaOptions")) {
            assertTrue(
                    keys.optionClasses().contains(tandemOptions), keys.optionClasses().toString());
        }
        for (String key :
                List.of(
                        "taskmanager.numberOfTaskSlots",
                        "classloader.parent-first-patterns.additional",
                        "execution.checkpointing.interval",
                        "tandem.batch-size",
                        "tandem.kafka.delivery")) {
            assertTrue(keys.knows(key), key);
        }
    }

    @Test
    void misspelledKeyInAConfigurationFileFails() throws Exception {
        Path file =
                Files.writeString(
                        temp.resolve("config.yaml"),
                        "taskmanager.numberOfTaskSlot: 4\nparallelism.default: 2\n");

        assertEquals(
                List.of(
                        file
                                + " (Flink configuration file): unknown key"
                                + " 'taskmanager.numberOfTaskSlot' (did you mean"
                                + " 'taskmanager.numberOfTaskSlots'?)"),
                messages(file));
    }

    @Test
    void misspelledNestedKeyInAFlinkDeploymentFails() throws Exception {
        Path file =
                Files.writeString(
                        temp.resolve("deployment.yaml"),
                        String.join(
                                "\n",
                                "apiVersion: flink.apache.org/v1beta1",
                                "kind: FlinkDeployment",
                                "metadata:",
                                "  name: misspelled",
                                "spec:",
                                "  flinkConfiguration:",
                                "    classloader:",
                                "      parent-first-patterns:",
                                "        additonal: ai.onnxruntime.",
                                "    taskmanager.numberOfTaskSlots: \"2\"",
                                "---",
                                "apiVersion: v1",
                                "kind: Secret",
                                "metadata:",
                                "  name: not-a-flink-configuration",
                                "stringData:",
                                "  made.up.key: ignored",
                                ""));

        assertEquals(
                List.of(
                        file
                                + " (FlinkDeployment misspelled, spec.flinkConfiguration): unknown"
                                + " key 'classloader.parent-first-patterns.additonal' (did you"
                                + " mean 'classloader.parent-first-patterns.additional'?)"),
                messages(file));
    }

    @Test
    void deprecatedKeyFailsNamingItsReplacement() throws Exception {
        Path file =
                Files.writeString(
                        temp.resolve("config.yaml"), "state.savepoints.dir: file:///savepoints\n");

        assertEquals(
                List.of(
                        file
                                + " (Flink configuration file): key 'state.savepoints.dir' is"
                                + " deprecated: use 'execution.checkpointing.savepoint-dir'"),
                messages(file));
    }

    @Test
    void valueTheOptionRejectsFails() throws Exception {
        Path file =
                Files.writeString(
                        temp.resolve("config.yaml"),
                        "taskmanager.numberOfTaskSlots: four\nexecution.checkpointing.mode:"
                                + " EXACTLY_TWICE\n");

        List<String> messages = messages(file);
        assertEquals(2, messages.size(), messages.toString());
        assertTrue(
                messages.get(0).contains("value 'four' of key 'taskmanager.numberOfTaskSlots'"),
                messages.get(0));
        assertTrue(
                messages.get(1)
                        .contains("value 'EXACTLY_TWICE' of key 'execution.checkpointing.mode'"),
                messages.get(1));
    }

    @Test
    void documentedKeyFamiliesAreAcceptedAndTheirTyposAreNot() {
        for (String key :
                List.of(
                        "external-resources",
                        "external-resource.gpu.amount",
                        "external-resource.gpu.driver-factory.class",
                        "external-resource.gpu.param.discovery-script.args",
                        "metrics.reporter.prom.factory.class",
                        "containerized.taskmanager.env.ORT_DISABLE_TELEMETRY",
                        "containerized.master.env.ORT_DISABLE_TELEMETRY")) {
            assertEquals(List.of(), keys.problems(key, "1"), key);
        }
        assertEquals(
                List.of("unknown key 'external-resource.gpu.amout'"),
                keys.problems("external-resource.gpu.amout", "1"));
        assertEquals(
                List.of("unknown key 'containerized.taskmanager.environment.X'"),
                keys.problems("containerized.taskmanager.environment.X", "1"));
    }

    @Test
    void keysOfModulesOutsideTheCheckAreNamedAsSuch() {
        String operatorKey = "kubernetes.operator.periodic.savepoint.interval";
        List<String> problems = keys.problems(operatorKey, "1h");
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).contains("Flink Kubernetes Operator option"), problems.get(0));
    }

    private static List<String> messages(Path file) throws Exception {
        return DeployConfigurations.check(List.of(file), keys).stream()
                .map(Problem::toString)
                .toList();
    }
}
