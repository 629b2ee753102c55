package io.tandem.deploy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads Flink configuration as Flink 2.x reads {@code config.yaml}: nested maps are flattened with
 * dots ({@code taskmanager: {numberOfTaskSlots: 2}} is {@code taskmanager.numberOfTaskSlots}), flat
 * dotted keys stay as they are, lists stay lists.
 */
public final class FlinkYaml {
    private static final ObjectMapper YAML = new YAMLMapper();
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    private FlinkYaml() {}

    /** Every YAML document of {@code file}, in order (a manifest may hold several). */
    public static List<JsonNode> documents(Path file) throws IOException {
        List<JsonNode> documents = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(file.toFile())) {
            Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class);
            while (it.hasNext()) {
                JsonNode document = it.next();
                if (document != null && !document.isMissingNode() && !document.isNull()) {
                    documents.add(document);
                }
            }
        }
        return documents;
    }

    /** A configuration file: one document, flattened. */
    public static Map<String, Object> readConfiguration(Path file) throws IOException {
        List<JsonNode> documents = documents(file);
        if (documents.size() != 1 || !documents.get(0).isObject()) {
            throw new IllegalArgumentException(
                    file + " is not a Flink configuration file: expected one YAML map");
        }
        return flatten(documents.get(0));
    }

    /** Flattens a configuration map: dotted keys, scalar values as text, lists as lists. */
    public static Map<String, Object> flatten(JsonNode configuration) {
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten(configuration, "", flat);
        return flat;
    }

    private static void flatten(JsonNode node, String prefix, Map<String, Object> flat) {
        node.fields()
                .forEachRemaining(
                        field -> {
                            String key = prefix + field.getKey();
                            JsonNode value = field.getValue();
                            if (value.isObject()) {
                                flatten(value, key + ".", flat);
                            } else if (value.isArray()) {
                                List<String> items = new ArrayList<>();
                                value.forEach(item -> items.add(item.asText()));
                                flat.put(key, items);
                            } else {
                                flat.put(key, value.isNull() ? "" : value.asText());
                            }
                        });
    }

    /** Writes a flat configuration as a {@code config.yaml} Flink 2.x can read. */
    public static String toConfigYaml(Map<String, Object> flat) {
        StringBuilder yaml = new StringBuilder();
        flat.forEach(
                (key, value) -> {
                    try {
                        // JSON is YAML: quoting every scalar keeps values such as "1" or "on" text.
                        yaml.append(JSON.writeValueAsString(key))
                                .append(": ")
                                .append(JSON.writeValueAsString(value))
                                .append('\n');
                    } catch (IOException e) {
                        throw new IllegalStateException("Cannot write " + key, e);
                    }
                });
        return yaml.toString();
    }
}
