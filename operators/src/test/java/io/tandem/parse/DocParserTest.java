package io.tandem.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DocParserTest {
    private final DocParser parser = new DocParser(50);

    private static RawRecord record(String json) {
        return record(json.getBytes(StandardCharsets.UTF_8));
    }

    private static RawRecord record(byte[] bytes) {
        return new RawRecord(7, SourcePosition.fileLine("in.jsonl", 8), bytes);
    }

    private String reasonFor(String json) {
        return assertThrows(BadRecordException.class, () -> parser.parse(record(json)))
                .getMessage();
    }

    @Test
    void parsesIdTextMetaAndKeepsSourcePosition() throws Exception {
        Doc doc =
                parser.parse(
                        record(
                                "{\"id\": \"n1\", \"text\": \"Pas de fièvre.\", \"meta\": {\"lang\": \"fr\"}}"));
        assertEquals("n1", doc.id());
        assertEquals("Pas de fièvre.", doc.text());
        assertEquals("{\"lang\":\"fr\"}", doc.metaJson());
        assertEquals(7, doc.seq());
        assertEquals(SourcePosition.fileLine("in.jsonl", 8), doc.source());
    }

    @Test
    void metaIsOptionalAndIntegerIdsAreKeptAsText() throws Exception {
        Doc doc = parser.parse(record("{\"id\": 42, \"text\": \"\"}"));
        assertEquals("42", doc.id());
        assertNull(doc.metaJson());
    }

    @Test
    void rejectsMalformedJson() {
        String reason = reasonFor("{\"id\": \"a\", \"text\": \"b\"");
        assertTrue(reason.startsWith("malformed JSON: Unexpected end-of-input"), reason);
    }

    @Test
    void rejectsMissingOrMistypedFields() {
        assertEquals(
                "missing field 'id': expected a non-empty string", reasonFor("{\"text\": \"b\"}"));
        assertEquals("missing field 'text': expected a string", reasonFor("{\"id\": \"a\"}"));
        assertEquals(
                "field 'text' must be a string, got number",
                reasonFor("{\"id\": \"a\", \"text\": 3}"));
        assertEquals(
                "field 'id' must be a string or an integer, got boolean",
                reasonFor("{\"id\": true, \"text\": \"b\"}"));
        assertEquals(
                "field 'id' is empty: expected a non-empty string",
                reasonFor("{\"id\": \" \", \"text\": \"b\"}"));
        assertEquals(
                "field 'meta' must be a JSON object, got array",
                reasonFor("{\"id\": \"a\", \"text\": \"b\", \"meta\": []}"));
        assertEquals("expected a JSON object, got array", reasonFor("[1, 2]"));
        assertEquals("empty record: expected a JSON object", reasonFor("   "));
    }

    @Test
    void rejectsTextOverTheLimit() {
        assertEquals(
                "field 'text' has 51 characters, over the limit of 50 (max-text-chars)",
                reasonFor("{\"id\": \"a\", \"text\": \"" + "x".repeat(51) + "\"}"));
    }

    @Test
    void rejectsInvalidUtf8NamingTheByte() {
        byte[] bytes = "{\"id\": \"a\", \"text\": \"caf?\"}".getBytes(StandardCharsets.US_ASCII);
        bytes[24] = (byte) 0xE9; // Latin-1 'é', invalid on its own in UTF-8
        BadRecordException e =
                assertThrows(BadRecordException.class, () -> parser.parse(record(bytes)));
        assertEquals("invalid UTF-8 at byte 24: expected UTF-8 encoded JSON", e.getMessage());
    }

    @Test
    void refusesANonPositiveLimit() {
        assertEquals(
                "maxTextChars must be positive, got 0",
                assertThrows(IllegalArgumentException.class, () -> new DocParser(0)).getMessage());
    }
}
