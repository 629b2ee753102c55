package io.tandem.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@link DocParser} in the OMOP layout: NOTE export rows and edsnlp's OMOP dictionaries. */
class OmopRecordParserTest {
    private final DocParser parser = new DocParser(200, true);

    private static RawRecord record(String json) {
        return new RawRecord(
                3, SourcePosition.fileLine("note.jsonl", 4), json.getBytes(StandardCharsets.UTF_8));
    }

    private String reasonFor(String json) {
        return assertThrows(BadRecordException.class, () -> parser.parse(record(json)))
                .getMessage();
    }

    @Test
    void aNoteRowGivesNoteIdAndTextAndEveryOtherColumnToMeta() throws Exception {
        Doc doc =
                parser.parse(
                        record(
                                "{\"note_id\": 12, \"person_id\": 5, \"note_text\": \"No fever.\","
                                        + " \"note_datetime\": \"2024-01-02T03:04:05\","
                                        + " \"note_title\": \"ER\"}"));
        assertEquals("12", doc.id());
        assertEquals("No fever.", doc.text());
        assertEquals(
                "{\"person_id\":5,\"note_datetime\":\"2024-01-02T03:04:05\",\"note_title\":\"ER\"}",
                doc.metaJson());
        assertEquals(List.of(), doc.entities());
        assertEquals(3, doc.seq());
    }

    @Test
    void aRowWithOnlyIdAndTextHasNoMeta() throws Exception {
        assertNull(parser.parse(record("{\"note_id\": 1, \"note_text\": \"x\"}")).metaJson());
    }

    @Test
    void edsnlpEntitiesBecomeTheDocumentsEntitiesWithTheirAttributes() throws Exception {
        Doc doc =
                parser.parse(
                        record(
                                "{\"note_id\": 7, \"note_text\": \"Pas de fièvre, diabète.\","
                                        + " \"entities\": [{\"note_nlp_id\": 0, \"start_char\": 7,"
                                        + " \"end_char\": 13, \"note_nlp_source_value\": \"SYMPTOM\","
                                        + " \"lexical_variant\": \"fièvre\", \"negation\": true},"
                                        + " {\"start_char\": 15, \"end_char\": 22, \"label\":"
                                        + " \"DISEASE\", \"score\": 0.5, \"cui\": null}]}"));
        assertEquals(
                List.of(
                        new Span(7, 13, "SYMPTOM", "omop", Map.of("negation", true)),
                        new Span(15, 22, "DISEASE", "omop", Map.of("score", 0.5))),
                doc.entities());
        assertNull(doc.metaJson());
    }

    @Test
    void entityOffsetsCountCodePointsAsPythonDoes() throws Exception {
        // The emoji is one code point for Python, two chars for Java.
        Doc doc =
                parser.parse(
                        record(
                                "{\"note_id\": 1, \"note_text\": \"\uD83D\uDE00 fever\","
                                        + " \"entities\": [{\"start_char\": 2, \"end_char\": 7,"
                                        + " \"label\": \"SYMPTOM\", \"lexical_variant\": \"fever\"}]}"));
        Span fever = doc.entities().get(0);
        assertEquals("fever", doc.textOf(fever));
        assertEquals(3, fever.start());
    }

    @Test
    void badEntitiesAndMissingColumnsAreRejectedNamingTheValue() {
        assertEquals(
                "missing field 'note_id': expected a non-empty string",
                reasonFor("{\"id\": 1, \"note_text\": \"x\"}"));
        assertEquals(
                "missing field 'note_text': expected a string",
                reasonFor("{\"note_id\": 1, \"text\": \"x\"}"));
        assertEquals(
                "field 'entities' must be an array of entities, got object",
                reasonFor("{\"note_id\": 1, \"note_text\": \"x\", \"entities\": {}}"));
        assertEquals(
                "entities[0]: end_char 9 is outside the text, expected 0 to 5",
                reasonFor(
                        "{\"note_id\": 1, \"note_text\": \"fever\", \"entities\":"
                                + " [{\"start_char\": 0, \"end_char\": 9, \"label\": \"S\"}]}"));
        assertEquals(
                "entities[0]: end_char 2 must be greater than start_char 3",
                reasonFor(
                        "{\"note_id\": 1, \"note_text\": \"fever\", \"entities\":"
                                + " [{\"start_char\": 3, \"end_char\": 2, \"label\": \"S\"}]}"));
        assertEquals(
                "entities[0]: field 'start_char' must be an integer offset, got \"0\"",
                reasonFor(
                        "{\"note_id\": 1, \"note_text\": \"fever\", \"entities\":"
                                + " [{\"start_char\": \"0\", \"end_char\": 2, \"label\": \"S\"}]}"));
        assertEquals(
                "entities[0]: expected its label, a non-empty string, in"
                        + " 'note_nlp_source_value' or 'label'",
                reasonFor(
                        "{\"note_id\": 1, \"note_text\": \"fever\", \"entities\":"
                                + " [{\"start_char\": 0, \"end_char\": 2}]}"));
        String reason =
                reasonFor(
                        "{\"note_id\": 1, \"note_text\": \"fever\", \"entities\": [{\"start_char\":"
                                + " 0, \"end_char\": 2, \"label\": \"S\", \"lexical_variant\":"
                                + " \"ev\"}]}");
        assertTrue(reason.startsWith("entities[0]: lexical_variant 'ev' is not the text"), reason);
        assertEquals(
                "field 'note_text' has 201 characters, over the limit of 200 (max-text-chars)",
                reasonFor("{\"note_id\": 1, \"note_text\": \"" + "x".repeat(201) + "\"}"));
    }
}
