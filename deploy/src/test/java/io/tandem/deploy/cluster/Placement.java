package io.tandem.deploy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where each subtask of a job runs, as the REST API reports it ({@code /jobs/:id/vertices/:vid}:
 * {@code taskmanager-id} and {@code endpoint}), with the pid of the TaskManager process.
 */
public final class Placement {

    /** One subtask: its vertex's name, its index, and the TaskManager it runs on. */
    public record Subtask(
            String vertex,
            int index,
            String status,
            int attempt,
            String taskManager,
            String endpoint,
            long pid) {}

    private final List<Subtask> subtasks;

    private Placement(List<Subtask> subtasks) {
        this.subtasks = List.copyOf(subtasks);
    }

    /**
     * Reads the placement of every subtask of {@code jobId}.
     *
     * @param pids the pid of each TaskManager by its resource id; an unknown one reads as -1
     */
    public static Placement of(FlinkRest rest, String jobId, Map<String, Long> pids)
            throws IOException, InterruptedException {
        List<Subtask> subtasks = new ArrayList<>();
        for (JsonNode vertex : rest.job(jobId).path("vertices")) {
            String name = vertex.path("name").asText();
            for (JsonNode subtask : rest.subtasks(jobId, vertex.path("id").asText())) {
                String taskManager = subtask.path("taskmanager-id").asText();
                subtasks.add(
                        new Subtask(
                                name,
                                subtask.path("subtask").asInt(),
                                subtask.path("status").asText(),
                                subtask.path("attempt").asInt(),
                                taskManager,
                                subtask.path("endpoint").asText(),
                                pids.getOrDefault(taskManager, -1L)));
            }
        }
        return new Placement(subtasks);
    }

    public List<Subtask> subtasks() {
        return subtasks;
    }

    /**
     * The TaskManager running subtask {@code index} of the vertex whose name contains {@code part}.
     */
    public String taskManagerOf(String part, int index) {
        return subtasks.stream()
                .filter(s -> s.vertex().contains(part) && s.index() == index)
                .map(Subtask::taskManager)
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "No subtask "
                                                + index
                                                + " of a vertex named like '"
                                                + part
                                                + "' in\n"
                                                + table()));
    }

    /** How many subtasks run in the vertex whose name contains {@code part}. */
    public int parallelism(String part) {
        return (int) subtasks.stream().filter(s -> s.vertex().contains(part)).count();
    }

    /** One line per subtask: vertex, index, attempt, status, TaskManager id, host:port, pid. */
    public String table() {
        StringBuilder table = new StringBuilder();
        for (Subtask s : subtasks) {
            table.append(
                    String.format(
                            "  %-70s #%d  attempt %d  %-9s  %-14s  %-22s  pid %d%n",
                            s.vertex(),
                            s.index(),
                            s.attempt(),
                            s.status(),
                            s.taskManager(),
                            s.endpoint(),
                            s.pid()));
        }
        return table.toString();
    }
}
