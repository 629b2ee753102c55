package io.tandem.deploy.config;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the Flink configurations in deploy/ and checks their keys: a YAML document without a {@code
 * kind} is a Flink configuration file ({@code config.yaml} entries); a {@code FlinkDeployment} or
 * {@code FlinkSessionJob} carries one in {@code spec.flinkConfiguration}; other Kubernetes objects
 * hold none.
 */
public final class DeployConfigurations {
    private static final Set<String> FLINK_RESOURCES = Set.of("FlinkDeployment", "FlinkSessionJob");
    private static final Set<String> SKIPPED_FOLDERS = Set.of("target", "src");

    private DeployConfigurations() {}

    /** One Flink configuration found in a file. */
    public record Found(Path file, String where, Map<String, Object> entries) {}

    /** A key or value Flink would not accept, located. */
    public record Problem(Path file, String where, String message) {
        @Override
        public String toString() {
            return file + " (" + where + "): " + message;
        }
    }

    /** Every YAML file under {@code deployDir}, build output and test sources aside. */
    public static List<Path> yamlFiles(Path deployDir) throws IOException {
        try (Stream<Path> files = Files.walk(deployDir)) {
            return files.filter(Files::isRegularFile)
                    .filter(file -> !isSkipped(deployDir.relativize(file)))
                    .filter(
                            file -> {
                                String name = file.getFileName().toString();
                                return name.endsWith(".yaml") || name.endsWith(".yml");
                            })
                    .sorted()
                    .toList();
        }
    }

    private static boolean isSkipped(Path relative) {
        return relative.getNameCount() > 1
                && SKIPPED_FOLDERS.contains(relative.getName(0).toString());
    }

    /** The Flink configurations of one YAML file. */
    public static List<Found> configurationsIn(Path file) throws IOException {
        List<Found> found = new ArrayList<>();
        for (JsonNode document : FlinkYaml.documents(file)) {
            if (!document.isObject()) {
                throw new IllegalArgumentException(file + " holds a YAML document that is no map");
            }
            String kind = document.path("kind").asText("");
            if (kind.isEmpty()) {
                found.add(new Found(file, "Flink configuration file", FlinkYaml.flatten(document)));
            } else if (FLINK_RESOURCES.contains(kind)) {
                JsonNode configuration = document.path("spec").path("flinkConfiguration");
                if (!configuration.isMissingNode()) {
                    String where =
                            kind
                                    + " "
                                    + document.path("metadata").path("name").asText("(no name)")
                                    + ", spec.flinkConfiguration";
                    found.add(new Found(file, where, FlinkYaml.flatten(configuration)));
                }
            }
        }
        return found;
    }

    /** Every problem of every configuration in {@code files}. */
    public static List<Problem> check(List<Path> files, FlinkConfigKeys keys) throws IOException {
        List<Problem> problems = new ArrayList<>();
        for (Path file : files) {
            for (Found configuration : configurationsIn(file)) {
                configuration
                        .entries()
                        .forEach(
                                (key, value) ->
                                        keys.problems(key, value)
                                                .forEach(
                                                        message ->
                                                                problems.add(
                                                                        new Problem(
                                                                                file,
                                                                                configuration
                                                                                        .where(),
                                                                                message))));
            }
        }
        return problems;
    }
}
