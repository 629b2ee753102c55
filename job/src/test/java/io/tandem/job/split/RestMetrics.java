package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MetricOptions;

/** The job's metrics as the REST API serves them to the dashboard and the autoscaler. */
final class RestMetrics {
    /** A MiniCluster whose REST API serves metrics fresh: it caches them for 10 s by default. */
    static Configuration clusterConfiguration() {
        Configuration configuration = new Configuration();
        configuration.set(MetricOptions.METRIC_FETCHER_UPDATE_INTERVAL, Duration.ofSeconds(1));
        return configuration;
    }

    /** How long to wait for metrics the REST API has not fetched yet. */
    private static final Duration PATIENCE = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newHttpClient();
    private final ObjectMapper json = new ObjectMapper();
    private final URI rest;
    private final String job;
    private JsonNode graph;

    RestMetrics(URI rest, String job) {
        this.rest = rest;
        this.job = job;
    }

    /** Vertex id to name, in the job graph's order. */
    Map<String, String> vertices() throws Exception {
        graph = get("jobs/" + job);
        Map<String, String> vertices = new LinkedHashMap<>();
        for (JsonNode vertex : graph.get("vertices")) {
            vertices.put(vertex.get("id").asText(), vertex.get("name").asText());
        }
        return vertices;
    }

    int parallelism(String vertex) {
        for (JsonNode v : graph.get("vertices")) {
            if (v.get("id").asText().equals(vertex)) {
                return v.get("parallelism").asInt();
            }
        }
        throw new AssertionError("no vertex " + vertex);
    }

    /**
     * The vertex's task metrics {@code names}, of its busiest subtask as the autoscaler aggregates
     * them (MAX), in one request.
     */
    Map<String, Double> values(String vertex, List<String> names) throws Exception {
        JsonNode values =
                await(
                        "jobs/"
                                + job
                                + "/vertices/"
                                + vertex
                                + "/subtasks/metrics?agg=max&get="
                                + String.join(",", names),
                        names.size());
        Map<String, Double> byName = new LinkedHashMap<>();
        values.forEach(v -> byName.put(v.get("id").asText(), v.get("max").asDouble()));
        return byName;
    }

    /**
     * The ids of the vertex's task and operator metrics, as the autoscaler lists them to find a
     * source's {@code pendingRecords}; without waiting, so only those the REST API holds now.
     */
    List<String> metricIds(String vertex) throws Exception {
        List<String> ids = new ArrayList<>();
        get("jobs/" + job + "/vertices/" + vertex + "/subtasks/metrics")
                .forEach(metric -> ids.add(metric.get("id").asText()));
        return ids;
    }

    /**
     * The vertex's metrics {@code ids} summed over its subtasks, as the autoscaler aggregates a
     * source's backlog (SUM), in one request; without waiting, so only those the REST API holds
     * now.
     */
    Map<String, Double> sums(String vertex, List<String> ids) throws Exception {
        Map<String, Double> byId = new LinkedHashMap<>();
        get("jobs/"
                        + job
                        + "/vertices/"
                        + vertex
                        + "/subtasks/metrics?agg=sum&get="
                        + String.join(",", ids))
                .forEach(v -> byId.put(v.get("id").asText(), v.get("sum").asDouble()));
        return byId;
    }

    /** A Tandem gauge of the vertex's first subtask. */
    double operatorGauge(String vertex, String operator, String gauge) throws Exception {
        // Flink's metric query service writes a space of an operator's name as '_'.
        String metric = "0." + operator.replace(' ', '_') + "." + gauge;
        return await("jobs/" + job + "/vertices/" + vertex + "/metrics?get=" + metric, 1)
                .get(0)
                .get("value")
                .asDouble();
    }

    /** The metrics at {@code path}, waiting while the REST API has not fetched them yet. */
    private JsonNode await(String path, int expected) throws Exception {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        JsonNode values = get(path);
        while (values.size() < expected && System.nanoTime() < deadline) {
            Thread.sleep(500);
            values = get(path);
        }
        assertEquals(expected, values.size(), path + ": " + values);
        return values;
    }

    private JsonNode get(String path) throws Exception {
        return json.readTree(
                http.send(
                                HttpRequest.newBuilder(rest.resolve(path))
                                        .timeout(Duration.ofSeconds(30))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body());
    }
}
