package io.tandem.parse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.SourcePosition;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLettersTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void recordsSourceReasonErrorAndTruncatedRaw() throws Exception {
        RawRecord record =
                new RawRecord(
                        3,
                        SourcePosition.fileLine("notes.jsonl", 4),
                        "{\"id\": broken".getBytes(StandardCharsets.UTF_8));
        ResultLine line = new DeadLetters(6).of(record, new BadRecordException("malformed JSON"));
        assertTrue(line.deadLetter);
        assertEquals(3, line.seq);
        JsonNode json = JSON.readTree(line.json);
        assertEquals("notes.jsonl", json.get("source").get("origin").asText());
        assertEquals(4, json.get("source").get("line").asLong());
        assertEquals("malformed JSON", json.get("reason").asText());
        assertEquals(BadRecordException.class.getName(), json.get("error").asText());
        assertEquals("{\"id\":", json.get("raw").asText());
        assertEquals(13, json.get("raw_bytes").asInt());
        assertTrue(json.get("raw_truncated").asBoolean());
    }

    @Test
    void neverSplitsAUtf8Character() {
        byte[] raw = "aé".getBytes(StandardCharsets.UTF_8); // a, then 2 bytes
        assertEquals(1, DeadLetters.truncationPoint(raw, 2));
        assertEquals(3, DeadLetters.truncationPoint(raw, 3));
        assertEquals(0, DeadLetters.truncationPoint(raw, 0));
    }

    @Test
    void kafkaPositionsNameTopicPartitionOffset() throws Exception {
        RawRecord record = new RawRecord(0, SourcePosition.kafka("notes", 2, 99), new byte[] {'x'});
        JsonNode source =
                JSON.readTree(
                                new DeadLetters(10)
                                        .of(record, new IllegalStateException("boom"))
                                        .json)
                        .get("source");
        assertEquals("notes", source.get("topic").asText());
        assertEquals(2, source.get("partition").asInt());
        assertEquals(99, source.get("offset").asLong());
    }
}
