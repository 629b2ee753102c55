package io.tandem.job.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.parse.BadRecordException;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonResultsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void aDocumentIsItsIdEntitiesInTextOrderMetaAndSource() throws Exception {
        Doc doc =
                new Doc(
                        "n1",
                        "no fever, cough",
                        0,
                        SourcePosition.fileLine("notes.jsonl", 1),
                        "{\"ward\":\"B\"}");
        doc.entities().add(new Span(10, 15, "SYMPTOM", "terms", Map.of()));
        doc.entities().add(new Span(3, 8, "SYMPTOM", "terms", Map.of("negated", true)));
        assertEquals(
                "{\"id\":\"n1\",\"entities\":["
                        + "{\"start\":3,\"end\":8,\"label\":\"SYMPTOM\",\"text\":\"fever\","
                        + "\"source\":\"terms\",\"attributes\":{\"negated\":true}},"
                        + "{\"start\":10,\"end\":15,\"label\":\"SYMPTOM\",\"text\":\"cough\","
                        + "\"source\":\"terms\",\"attributes\":{}}],"
                        + "\"meta\":{\"ward\":\"B\"},"
                        + "\"source\":{\"origin\":\"notes.jsonl\",\"line\":1}}",
                JsonResults.encode(Result.output(doc)));
    }

    @Test
    void classifiersAttributesGoOnTheDocumentAndOnEachSentence() throws Exception {
        Doc doc = new Doc("n2", "Fever. No cough.", 0, null, null);
        doc.sentences().add(new Sentence(0, 2, 0, 6, Map.of("topic", "SYMPTOM")));
        doc.sentences().add(new Sentence(2, 5, 7, 16));
        doc.attributes().put("note_type", "triage");
        doc.attributes().put("note_type_score", 0.875);
        assertEquals(
                "{\"id\":\"n2\",\"entities\":[],"
                        + "\"sentences\":[{\"start\":0,\"end\":6,\"attributes\":{\"topic\":\"SYMPTOM\"}},"
                        + "{\"start\":7,\"end\":16,\"attributes\":{}}],"
                        + "\"attributes\":{\"note_type\":\"triage\",\"note_type_score\":0.875}}",
                JsonResults.encode(Result.output(doc)));
    }

    @Test
    void sentencesWithoutAttributesAreWrittenOnlyWhereThePipelineAsks() {
        Doc doc = new Doc("n3", "Fever.", 0, null, null);
        doc.sentences().add(new Sentence(0, 2, 0, 6));
        assertEquals("{\"id\":\"n3\",\"entities\":[]}", JsonResults.encode(Result.output(doc)));
        assertEquals(
                "{\"id\":\"n3\",\"entities\":[],"
                        + "\"sentences\":[{\"start\":0,\"end\":6,\"attributes\":{}}]}",
                JsonResults.encode(Result.output(doc), true));
    }

    @Test
    void aDeadLetterNamesSourceStageReasonErrorAndTruncatedRaw() throws Exception {
        RawRecord record =
                new RawRecord(
                        3,
                        SourcePosition.fileLine("notes.jsonl", 4),
                        "{\"id\": broken".getBytes(StandardCharsets.UTF_8));
        JsonNode json =
                JSON.readTree(
                        JsonResults.encode(
                                Result.deadLetter(
                                        new DeadLetters(6)
                                                .of(
                                                        record,
                                                        Stage.PARSE,
                                                        new BadRecordException(
                                                                "malformed JSON")))));
        assertEquals(3, json.get("seq").asLong());
        assertEquals("notes.jsonl", json.get("source").get("origin").asText());
        assertEquals(4, json.get("source").get("line").asLong());
        assertEquals("parse", json.get("stage").asText());
        assertEquals("malformed JSON", json.get("reason").asText());
        assertEquals(BadRecordException.class.getName(), json.get("error").asText());
        assertEquals("{\"id\":", json.get("raw").asText());
        assertEquals(13, json.get("raw_bytes").asInt());
        assertTrue(json.get("raw_truncated").asBoolean());
        assertFalse(json.has("id"));
        assertFalse(json.has("model"));
    }

    @Test
    void aModelStageDeadLetterKeepsIdMetaModelBatchAndDevice() throws Exception {
        Doc doc =
                new Doc("n1", "text", 5, SourcePosition.kafka("notes", 2, 99), "{\"ward\":\"B\"}");
        JsonNode json =
                JSON.readTree(
                        JsonResults.encode(
                                new DeadLetters(100)
                                        .of(doc, Stage.FORWARD, new IllegalStateException("oom"))
                                        .inModel("ner", 4, 1)));
        assertEquals("notes", json.get("source").get("topic").asText());
        assertEquals(2, json.get("source").get("partition").asInt());
        assertEquals(99, json.get("source").get("offset").asLong());
        assertEquals("forward", json.get("stage").asText());
        assertEquals("n1", json.get("id").asText());
        assertEquals("B", json.get("meta").get("ward").asText());
        assertEquals("ner", json.get("model").asText());
        assertEquals(4, json.get("batch").asLong());
        assertEquals(1, json.get("device").asInt());
    }
}
