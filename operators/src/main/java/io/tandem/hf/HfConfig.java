package io.tandem.hf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.inference.ModelLocation;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What Tandem reads from a Hugging Face {@code config.json}: the labels of a classification head
 * ({@code id2label}, in id order; empty when absent), {@code max_position_embeddings} (0 when
 * absent), {@code model_type}, {@code vocab_size} (0 when absent) and {@code problem_type} (empty
 * when absent; {@code multi_label_classification} makes a sequence classifier's head sigmoid).
 */
public record HfConfig(
        ModelLocation location,
        List<String> labels,
        int maxPositionEmbeddings,
        String modelType,
        int vocabSize,
        String problemType)
        implements Serializable {

    /**
     * @throws IllegalArgumentException naming the file when it is not JSON or its {@code id2label}
     *     ids are not 0..n-1
     */
    public static HfConfig read(ModelLocation location) {
        JsonNode json;
        try (InputStream in = location.open()) {
            json = new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read model config " + location + " as JSON: " + e.getMessage(), e);
        }
        if (json == null || !json.isObject()) {
            throw new IllegalArgumentException(
                    "Model config " + location + ": expected a JSON object");
        }
        return new HfConfig(
                location,
                labels(location, json.path("id2label")),
                json.path("max_position_embeddings").asInt(0),
                json.path("model_type").asText(""),
                json.path("vocab_size").asInt(0),
                json.path("problem_type").asText(""));
    }

    private static List<String> labels(ModelLocation location, JsonNode id2label) {
        Map<Integer, String> byId = new TreeMap<>();
        Iterator<Map.Entry<String, JsonNode>> fields = id2label.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            try {
                byId.put(Integer.parseInt(field.getKey()), field.getValue().asText());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "Model config "
                                + location
                                + ": id2label key '"
                                + field.getKey()
                                + "' is not an integer");
            }
        }
        List<String> labels = new ArrayList<>(byId.values());
        int expected = 0;
        for (int id : byId.keySet()) {
            if (id != expected++) {
                throw new IllegalArgumentException(
                        "Model config "
                                + location
                                + ": id2label ids "
                                + byId.keySet()
                                + " are not 0.."
                                + (byId.size() - 1));
            }
        }
        return List.copyOf(labels);
    }
}
