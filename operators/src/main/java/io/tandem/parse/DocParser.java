package io.tandem.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.source.RawRecord;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * Turns the raw bytes of one input record, {@code {"id": "...", "text": "...", "meta": {...}}},
 * into a {@link Doc}, or rejects it with a reason that names the offending value and what was
 * expected.
 *
 * <p>In the OMOP layout a record is a row of an OMOP CDM {@code NOTE} export: {@code note_id} is
 * the id, {@code note_text} the text, and every other field goes to {@code meta}, but for {@code
 * entities}: edsnlp's OMOP dictionaries list there the entities already found, each with {@code
 * start_char} and {@code end_char} (code point offsets, as Python counts), its label in {@code
 * note_nlp_source_value} (or {@code label}), optionally {@code lexical_variant} (checked against
 * the text) and its attributes as further fields. They become the document's entities, with source
 * {@value #OMOP_ENTITY_SOURCE}.
 */
public final class DocParser implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The source of the entities an OMOP record brings. */
    public static final String OMOP_ENTITY_SOURCE = "omop";

    private final int maxTextChars;
    private final boolean omop;

    public DocParser(int maxTextChars) {
        this(maxTextChars, false);
    }

    /**
     * @param omop read records in the OMOP {@code NOTE} layout instead of Tandem's
     */
    public DocParser(int maxTextChars, boolean omop) {
        if (maxTextChars <= 0) {
            throw new IllegalArgumentException(
                    "maxTextChars must be positive, got " + maxTextChars);
        }
        this.maxTextChars = maxTextChars;
        this.omop = omop;
    }

    public Doc parse(RawRecord record) throws BadRecordException {
        String json = decodeUtf8(record.value);
        if (json.isBlank()) {
            throw new BadRecordException("empty record: expected a JSON object");
        }
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new BadRecordException("malformed JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new BadRecordException(
                    "expected a JSON object, got " + (root == null ? "nothing" : kind(root)));
        }
        if (omop) {
            return parseOmop(root, record);
        }
        String id = readId(root.get("id"), "id");
        String text = readText(root.get("text"), "text");
        JsonNode meta = root.get("meta");
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw new BadRecordException("field 'meta' must be a JSON object, got " + kind(meta));
        }
        String metaJson = meta == null || meta.isNull() ? null : meta.toString();
        return new Doc(id, text, record.seq, record.sourcePosition(), metaJson);
    }

    private Doc parseOmop(JsonNode root, RawRecord record) throws BadRecordException {
        String id = readId(root.get("note_id"), "note_id");
        String text = readText(root.get("note_text"), "note_text");
        ObjectNode meta = JSON.createObjectNode();
        root.fields()
                .forEachRemaining(
                        field -> {
                            String name = field.getKey();
                            if (!name.equals("note_id")
                                    && !name.equals("note_text")
                                    && !name.equals("entities")) {
                                meta.set(name, field.getValue());
                            }
                        });
        Doc doc =
                new Doc(
                        id,
                        text,
                        record.seq,
                        record.sourcePosition(),
                        meta.isEmpty() ? null : meta.toString());
        JsonNode entities = root.get("entities");
        if (entities != null && !entities.isNull()) {
            if (!entities.isArray()) {
                throw new BadRecordException(
                        "field 'entities' must be an array of entities, got " + kind(entities));
            }
            for (int i = 0; i < entities.size(); i++) {
                doc.entities().add(omopEntity(entities.get(i), i, text));
            }
        }
        return doc;
    }

    private static final Set<String> OMOP_ENTITY_FIELDS =
            Set.of(
                    "start_char",
                    "end_char",
                    "note_nlp_source_value",
                    "label",
                    "lexical_variant",
                    "note_nlp_id");

    private static Span omopEntity(JsonNode node, int index, String text)
            throws BadRecordException {
        String where = "entities[" + index + "]";
        if (!node.isObject()) {
            throw new BadRecordException(where + " must be an object, got " + kind(node));
        }
        int codePoints = text.codePointCount(0, text.length());
        int startCodePoint = offset(node, "start_char", where, codePoints);
        int endCodePoint = offset(node, "end_char", where, codePoints);
        if (endCodePoint <= startCodePoint) {
            throw new BadRecordException(
                    where
                            + ": end_char "
                            + endCodePoint
                            + " must be greater than start_char "
                            + startCodePoint);
        }
        int start = text.offsetByCodePoints(0, startCodePoint);
        int end = text.offsetByCodePoints(start, endCodePoint - startCodePoint);
        JsonNode label = node.get("note_nlp_source_value");
        if (label == null || label.isNull()) {
            label = node.get("label");
        }
        if (label == null || !label.isTextual() || label.textValue().isBlank()) {
            throw new BadRecordException(
                    where
                            + ": expected its label, a non-empty string, in"
                            + " 'note_nlp_source_value' or 'label'");
        }
        JsonNode variant = node.get("lexical_variant");
        String covered = text.substring(start, end);
        if (variant != null && variant.isTextual() && !variant.textValue().equals(covered)) {
            throw new BadRecordException(
                    where
                            + ": lexical_variant '"
                            + variant.textValue()
                            + "' is not the text at ["
                            + startCodePoint
                            + ", "
                            + endCodePoint
                            + "), '"
                            + covered
                            + "' (offsets count code points)");
        }
        Span span = new Span(start, end, label.textValue(), OMOP_ENTITY_SOURCE);
        var fields = node.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            Object value = attributeValue(field.getValue());
            if (!OMOP_ENTITY_FIELDS.contains(field.getKey()) && value != null) {
                span.attributes().put(field.getKey(), value);
            }
        }
        return span;
    }

    private static int offset(JsonNode entity, String name, String where, int codePoints)
            throws BadRecordException {
        JsonNode value = entity.get(name);
        if (value == null || !value.canConvertToInt() || !value.isIntegralNumber()) {
            throw new BadRecordException(
                    where
                            + ": field '"
                            + name
                            + "' must be an integer offset, got "
                            + (value == null ? "nothing" : value.toString()));
        }
        int offset = value.intValue();
        if (offset < 0 || offset > codePoints) {
            throw new BadRecordException(
                    where
                            + ": "
                            + name
                            + " "
                            + offset
                            + " is outside the text, expected 0 to "
                            + codePoints);
        }
        return offset;
    }

    /**
     * A JSON scalar as an attribute value (arrays and objects as their JSON text), null for null.
     */
    private static Object attributeValue(JsonNode value) {
        if (value.isNull()) {
            return null;
        }
        if (value.isBoolean()) {
            return value.booleanValue();
        }
        if (value.isIntegralNumber()) {
            return value.canConvertToInt() ? (Object) value.intValue() : (Object) value.longValue();
        }
        if (value.isNumber()) {
            return value.doubleValue();
        }
        return value.isTextual() ? value.textValue() : value.toString();
    }

    private String readText(JsonNode textNode, String field) throws BadRecordException {
        if (textNode == null || textNode.isNull()) {
            throw new BadRecordException("missing field '" + field + "': expected a string");
        }
        if (!textNode.isTextual()) {
            throw new BadRecordException(
                    "field '" + field + "' must be a string, got " + kind(textNode));
        }
        String text = textNode.textValue();
        if (text.length() > maxTextChars) {
            throw new BadRecordException(
                    "field '"
                            + field
                            + "' has "
                            + text.length()
                            + " characters, over the limit of "
                            + maxTextChars
                            + " (max-text-chars)");
        }
        return text;
    }

    private static String readId(JsonNode idNode, String field) throws BadRecordException {
        if (idNode == null || idNode.isNull()) {
            throw new BadRecordException(
                    "missing field '" + field + "': expected a non-empty string");
        }
        // Integral ids are common in exported clinical warehouses; keep them as their decimal text.
        String id =
                idNode.isTextual()
                        ? idNode.textValue()
                        : idNode.isIntegralNumber() ? idNode.asText() : null;
        if (id == null) {
            throw new BadRecordException(
                    "field '" + field + "' must be a string or an integer, got " + kind(idNode));
        }
        if (id.isBlank()) {
            throw new BadRecordException(
                    "field '" + field + "' is empty: expected a non-empty string");
        }
        return id;
    }

    private static String decodeUtf8(byte[] bytes) throws BadRecordException {
        CharsetDecoder decoder =
                StandardCharsets.UTF_8
                        .newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            return decoder.decode(in).toString();
        } catch (CharacterCodingException e) {
            throw new BadRecordException(
                    "invalid UTF-8 at byte " + in.position() + ": expected UTF-8 encoded JSON");
        }
    }

    private static String kind(JsonNode node) {
        return node.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
    }
}
