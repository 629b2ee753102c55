package io.tandem.parse;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.source.RawRecord;
import java.io.Serializable;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns the raw bytes of one input record, {@code {"id": "...", "text": "...", "meta": {...}}},
 * into a {@link Doc}, or rejects it with a reason that names the offending value and what was
 * expected.
 */
public final class DocParser implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxTextChars;

    public DocParser(int maxTextChars) {
        if (maxTextChars <= 0) {
            throw new IllegalArgumentException(
                    "maxTextChars must be positive, got " + maxTextChars);
        }
        this.maxTextChars = maxTextChars;
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
        String id = readId(root.get("id"));
        JsonNode textNode = root.get("text");
        if (textNode == null || textNode.isNull()) {
            throw new BadRecordException("missing field 'text': expected a string");
        }
        if (!textNode.isTextual()) {
            throw new BadRecordException("field 'text' must be a string, got " + kind(textNode));
        }
        String text = textNode.textValue();
        if (text.length() > maxTextChars) {
            throw new BadRecordException(
                    "field 'text' has "
                            + text.length()
                            + " characters, over the limit of "
                            + maxTextChars
                            + " (max-text-chars)");
        }
        JsonNode meta = root.get("meta");
        if (meta != null && !meta.isNull() && !meta.isObject()) {
            throw new BadRecordException("field 'meta' must be a JSON object, got " + kind(meta));
        }
        String metaJson = meta == null || meta.isNull() ? null : meta.toString();
        return new Doc(id, text, record.seq, record.sourcePosition(), metaJson);
    }

    private static String readId(JsonNode idNode) throws BadRecordException {
        if (idNode == null || idNode.isNull()) {
            throw new BadRecordException("missing field 'id': expected a non-empty string");
        }
        // Integral ids are common in exported clinical warehouses; keep them as their decimal text.
        String id =
                idNode.isTextual()
                        ? idNode.textValue()
                        : idNode.isIntegralNumber() ? idNode.asText() : null;
        if (id == null) {
            throw new BadRecordException(
                    "field 'id' must be a string or an integer, got " + kind(idNode));
        }
        if (id.isBlank()) {
            throw new BadRecordException("field 'id' is empty: expected a non-empty string");
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
