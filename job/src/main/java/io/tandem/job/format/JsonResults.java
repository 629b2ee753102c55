package io.tandem.job.format;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.results.DeadLetter;
import io.tandem.results.Result;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.Map;

/**
 * The JSON Lines encoding of results, used by the file and Kafka sinks.
 *
 * <ul>
 *   <li>A document: {@code {"id", "entities": [{"start", "end", "label", "text", "source",
 *       "attributes"}], "sentences": [{"start", "end", "attributes"}], "attributes", "vectors",
 *       "meta", "source"}}, entities sorted by start offset; {@code "sentences"} when the pipeline
 *       asks with {@code output.sentences: true}, or when a component wrote sentence attributes (a
 *       classifier {@code on: sentences}), which would otherwise be lost; {@code "attributes"} only
 *       when a component wrote document attributes (a classifier {@code on: doc}); {@code
 *       "vectors"} (name to array of floats) only when an embeddings component wrote one.
 *   <li>A dead letter: {@code {"seq", "source", "stage", "reason", "error", "raw", "raw_bytes",
 *       "raw_truncated"}}, plus {@code "id"} and {@code "meta"} once the record had parsed, and
 *       {@code "model"}, {@code "batch"} and {@code "device"} when a model stage failed. The raw
 *       value is decoded leniently, so even invalid UTF-8 is shown.
 * </ul>
 */
public final class JsonResults {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<Span> BY_POSITION =
            Comparator.comparingInt(Span::start).thenComparingInt(Span::end);

    private JsonResults() {}

    public static String encode(Result result) {
        return encode(result, false);
    }

    /**
     * @param sentences list the document's sentences, as the pipeline asks with {@code
     *     output.sentences: true}
     */
    public static String encode(Result result, boolean sentences) {
        return result.isDeadLetter()
                ? encode(result.deadLetter())
                : encode(result.doc(), sentences);
    }

    public static String encode(Doc doc) {
        return encode(doc, false);
    }

    public static String encode(Doc doc, boolean withSentences) {
        ObjectNode node = JSON.createObjectNode();
        node.put("id", doc.id());
        ArrayNode entities = node.putArray("entities");
        doc.entities().stream()
                .sorted(BY_POSITION)
                .forEach(span -> entities.add(entityJson(doc, span)));
        if (withSentences || doc.sentences().stream().anyMatch(s -> !s.attributes().isEmpty())) {
            ArrayNode sentences = node.putArray("sentences");
            for (Sentence sentence : doc.sentences()) {
                ObjectNode s = sentences.addObject();
                s.put("start", sentence.start());
                s.put("end", sentence.end());
                s.set("attributes", attributesJson(sentence.attributes()));
            }
        }
        if (!doc.attributes().isEmpty()) {
            node.set("attributes", attributesJson(doc.attributes()));
        }
        if (!doc.vectors().isEmpty()) {
            ObjectNode vectors = node.putObject("vectors");
            doc.vectors()
                    .forEach(
                            (name, vector) -> {
                                ArrayNode values = vectors.putArray(name);
                                for (float v : vector) {
                                    values.add(v);
                                }
                            });
        }
        if (doc.metaJson() != null) {
            node.set("meta", meta(doc.metaJson(), doc.id()));
        }
        if (doc.source() != null) {
            node.set("source", sourceJson(doc.source()));
        }
        return node.toString();
    }

    public static String encode(DeadLetter deadLetter) {
        ObjectNode node = JSON.createObjectNode();
        node.put("seq", deadLetter.seq());
        node.set("source", sourceJson(deadLetter.source()));
        node.put("stage", deadLetter.stage().label());
        node.put("reason", deadLetter.reason());
        node.put("error", deadLetter.errorClass());
        node.put("raw", new String(deadLetter.raw(), StandardCharsets.UTF_8));
        node.put("raw_bytes", deadLetter.rawBytes());
        node.put("raw_truncated", deadLetter.rawTruncated());
        if (deadLetter.docId() != null) {
            node.put("id", deadLetter.docId());
        }
        if (deadLetter.metaJson() != null) {
            node.set("meta", meta(deadLetter.metaJson(), deadLetter.docId()));
        }
        if (deadLetter.model() != null) {
            node.put("model", deadLetter.model());
            node.put("batch", deadLetter.batch());
            node.put("device", deadLetter.device());
        }
        return node.toString();
    }

    private static JsonNode meta(String metaJson, String docId) {
        try {
            return JSON.readTree(metaJson);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("meta of " + docId + " is not JSON", e);
        }
    }

    private static ObjectNode entityJson(Doc doc, Span span) {
        ObjectNode e = JSON.createObjectNode();
        e.put("start", span.start());
        e.put("end", span.end());
        e.put("label", span.label());
        e.put("text", doc.textOf(span));
        e.put("source", span.source());
        e.set("attributes", attributesJson(span.attributes()));
        return e;
    }

    private static ObjectNode attributesJson(Map<String, Object> values) {
        ObjectNode attributes = JSON.createObjectNode();
        for (Map.Entry<String, Object> attribute : values.entrySet()) {
            attributes.set(attribute.getKey(), JSON.valueToTree(attribute.getValue()));
        }
        return attributes;
    }

    private static JsonNode sourceJson(SourcePosition position) {
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
