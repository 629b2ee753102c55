package io.tandem.deploy.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.net.http.HttpResponse.BodyHandlers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/** The parts of Flink's REST API that submitting, watching and cancelling a jar needs. */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> TERMINAL_STATES =
            Set.of("FINISHED", "FAILED", "CANCELED", "SUSPENDED");

    private final URI base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public FlinkRest(URI base) {
        this.base = base;
    }

    /** {@code POST /jars/upload}: returns the jar id for {@code /jars/:id/run}. */
    public String uploadJar(Path jar) throws IOException, InterruptedException {
        String boundary = "tandem-" + UUID.randomUUID();
        byte[] head =
                ("--"
                                + boundary
                                + "\r\nContent-Disposition: form-data; name=\"jarfile\"; filename=\""
                                + jar.getFileName()
                                + "\"\r\nContent-Type: application/x-java-archive\r\n\r\n")
                        .getBytes(StandardCharsets.UTF_8);
        byte[] tail = ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest request =
                HttpRequest.newBuilder(base.resolve("/jars/upload"))
                        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                        .POST(
                                BodyPublishers.concat(
                                        BodyPublishers.ofByteArray(head),
                                        BodyPublishers.ofFile(jar),
                                        BodyPublishers.ofByteArray(tail)))
                        .build();
        JsonNode response = send(request, "upload " + jar);
        String stored = response.path("filename").asText();
        if (!"success".equals(response.path("status").asText()) || stored.isEmpty()) {
            throw new IllegalStateException("Uploading " + jar + " failed: " + response);
        }
        return Path.of(stored).getFileName().toString();
    }

    /** {@code POST /jars/:id/run}: runs the jar's {@code main} in the JobManager; the job id. */
    public String runJar(String jarId, String entryClass, List<String> programArgs)
            throws IOException, InterruptedException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("entryClass", entryClass);
        body.put("programArgsList", programArgs);
        JsonNode response =
                send(
                        HttpRequest.newBuilder(base.resolve("/jars/" + jarId + "/run"))
                                .header("Content-Type", "application/json")
                                .POST(BodyPublishers.ofString(JSON.writeValueAsString(body)))
                                .build(),
                        "run " + jarId + " " + programArgs);
        return response.path("jobid").asText();
    }

    /** {@code GET /jobs/:id}: state, vertices and their ids. */
    public JsonNode job(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId);
    }

    public String jobState(String jobId) throws IOException, InterruptedException {
        return job(jobId).path("state").asText();
    }

    /** {@code GET /jobs/:id/checkpoints}: how many checkpoints completed (on this JobManager). */
    public long completedCheckpoints(String jobId) throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/checkpoints").path("counts").path("completed").asLong();
    }

    /** {@code PATCH /jobs/:id?mode=cancel}. */
    public void cancel(String jobId) throws IOException, InterruptedException {
        send(
                HttpRequest.newBuilder(base.resolve("/jobs/" + jobId + "?mode=cancel"))
                        .method("PATCH", BodyPublishers.noBody())
                        .build(),
                "cancel " + jobId);
    }

    /**
     * Polls the job until it reaches a terminal state, calling {@code whileWaiting} each round
     * (which may throw to stop early, e.g. when a cluster process died).
     */
    public String awaitTerminalState(String jobId, Duration timeout, Runnable whileWaiting)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String state = jobState(jobId);
            if (TERMINAL_STATES.contains(state)) {
                return state;
            }
            whileWaiting.run();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Job " + jobId + " still " + state + " after " + timeout);
            }
            Thread.sleep(250);
        }
    }

    /** Polls until every vertex of the job runs all its subtasks. */
    public void awaitAllRunning(String jobId, Duration timeout, Runnable whileWaiting)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            JsonNode job = job(jobId);
            if (TERMINAL_STATES.contains(job.path("state").asText())) {
                throw new IllegalStateException(
                        "Job "
                                + jobId
                                + " ended ("
                                + job.path("state").asText()
                                + ")"
                                + " before all its tasks ran: "
                                + failureCause(jobId));
            }
            boolean allRunning = job.path("vertices").size() > 0;
            for (JsonNode vertex : job.path("vertices")) {
                allRunning &= "RUNNING".equals(vertex.path("status").asText());
            }
            if (allRunning) {
                return;
            }
            whileWaiting.run();
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Job " + jobId + " not fully running after " + timeout + ": " + job);
            }
            Thread.sleep(250);
        }
    }

    /** The first entry of the job's exception history, or "no exception recorded". */
    public String failureCause(String jobId) throws IOException, InterruptedException {
        JsonNode entries =
                get("/jobs/" + jobId + "/exceptions").path("exceptionHistory").path("entries");
        if (entries.isEmpty()) {
            return "no exception recorded";
        }
        JsonNode first = entries.get(0);
        List<String> causes = new ArrayList<>();
        causes.add(first.path("exceptionName").asText());
        for (String line : first.path("stacktrace").asText().split("\n")) {
            if (line.startsWith("Caused by:")) {
                causes.add(line);
            }
        }
        return String.join("\n", causes);
    }

    /** The id of the job's vertex named {@code name}. */
    public String vertexId(String jobId, String name) throws IOException, InterruptedException {
        for (JsonNode vertex : job(jobId).path("vertices")) {
            if (vertex.path("name").asText().equals(name)) {
                return vertex.path("id").asText();
            }
        }
        throw new IllegalArgumentException("Job " + jobId + " has no vertex named '" + name + "'");
    }

    /** {@code GET /jobs/:id/vertices/:vid}: the subtasks, with the TaskManager each runs on. */
    public JsonNode subtasks(String jobId, String vertexId)
            throws IOException, InterruptedException {
        return get("/jobs/" + jobId + "/vertices/" + vertexId).path("subtasks");
    }

    /**
     * The value of the subtask metric whose id ends with {@code "." + metric} (metric ids carry the
     * operator name), or null while the JobManager has not fetched it yet.
     */
    public String subtaskMetric(String jobId, String vertexId, int subtask, String metric)
            throws IOException, InterruptedException {
        String path =
                "/jobs/" + jobId + "/vertices/" + vertexId + "/subtasks/" + subtask + "/metrics";
        String id = null;
        for (JsonNode available : get(path)) {
            String candidate = available.path("id").asText();
            if (candidate.equals(metric) || candidate.endsWith("." + metric)) {
                id = candidate;
            }
        }
        if (id == null) {
            return null;
        }
        JsonNode values = get(path + "?get=" + id);
        return values.isEmpty() ? null : values.get(0).path("value").asText();
    }

    /** {@code GET /taskmanagers}. */
    public JsonNode taskManagers() throws IOException, InterruptedException {
        return get("/taskmanagers").path("taskmanagers");
    }

    /** Waits until {@code count} TaskManagers registered (0: until the REST API answers). */
    void awaitTaskManagers(int count, Duration timeout, Runnable whileWaiting)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            whileWaiting.run();
            try {
                if (get("/overview").path("taskmanagers").asInt() >= count) {
                    return;
                }
            } catch (IOException | IllegalStateException notYet) {
                // The REST endpoint is not up yet, or answers 503 while the leader is elected.
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Cluster at "
                                + base
                                + " did not have "
                                + count
                                + " TaskManagers after "
                                + timeout);
            }
            Thread.sleep(250);
        }
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(base.resolve(path)).GET().build(), "GET " + path);
    }

    private JsonNode send(HttpRequest request, String what)
            throws IOException, InterruptedException {
        HttpResponse<String> response =
                http.send(request, BodyHandlers.ofString(StandardCharsets.UTF_8));
        if (response.statusCode() / 100 != 2) {
            throw new IllegalStateException(
                    what + " failed with HTTP " + response.statusCode() + ": " + response.body());
        }
        String body = response.body();
        return body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    }
}
