package io.tandem.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import java.io.UncheckedIOException;
import java.util.Map;

/**
 * The output JSON of a processed document: {@code {"id", "entities": [{"start", "end", "label",
 * "text", "source", "attributes"}], "meta", "source"}}. Entities are sorted by start offset.
 */
public final class OutputFormat {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OutputFormat() {}

    public static String toJson(Doc doc) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", doc.id());
        ArrayNode entities = node.putArray("entities");
        doc.entities().stream()
                .sorted(
                        (a, b) ->
                                a.start() != b.start()
                                        ? Integer.compare(a.start(), b.start())
                                        : Integer.compare(a.end(), b.end()))
                .forEach(span -> entities.add(entityJson(doc, span)));
        if (doc.metaJson() != null) {
            try {
                node.set("meta", JSON.readTree(doc.metaJson()));
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("meta of " + doc.id() + " is not JSON", e);
            }
        }
        if (doc.source() != null) {
            node.set("source", sourceJson(doc.source()));
        }
        return node.toString();
    }

    private static ObjectNode entityJson(Doc doc, Span span) {
        ObjectNode e = JSON.createObjectNode();
        e.put("start", span.start());
        e.put("end", span.end());
        e.put("label", span.label());
        e.put("text", doc.textOf(span));
        e.put("source", span.source());
        ObjectNode attributes = e.putObject("attributes");
        for (Map.Entry<String, Object> attribute : span.attributes().entrySet()) {
            attributes.set(attribute.getKey(), JSON.valueToTree(attribute.getValue()));
        }
        return e;
    }

    static JsonNode sourceJson(SourcePosition position) {
        ObjectNode source = JSON.createObjectNode();
        if (position.isKafka()) {
            source.put("topic", position.origin());
            source.put("partition", position.partition());
            source.put("offset", position.position());
        } else {
            source.put("origin", position.origin());
            source.put(position.isFileRow() ? "row" : "line", position.position());
        }
        return source;
    }
}
