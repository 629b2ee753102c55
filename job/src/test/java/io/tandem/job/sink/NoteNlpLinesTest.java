package io.tandem.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.omop.NoteNlpDeadLetterRow;
import io.tandem.omop.NoteNlpRow;
import io.tandem.omop.NoteNlpRows;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The ordered JSON Lines sink writing OMOP rows: several lines per result, or none. */
class NoteNlpLinesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final NoteNlpLines LINES =
            new NoteNlpLines(
                    new NoteNlpRows(
                            "1.0",
                            "p",
                            Instant.parse("2026-01-02T03:04:05Z"),
                            new DeadLetters(100)));

    @TempDir Path dir;

    private JsonLinesFileWriter writer(FileSinkState state) throws Exception {
        return new JsonLinesFileWriter(
                dir.resolve("note_nlp.jsonl"),
                dir.resolve("dead.jsonl"),
                true,
                LINES,
                null,
                null,
                state);
    }

    private static Result note(long seq, String id, String... entities) {
        StringBuilder text = new StringBuilder();
        List<Span> spans = new ArrayList<>();
        for (String entity : entities) {
            spans.add(new Span(text.length(), text.length() + entity.length(), "L", "terms"));
            text.append(entity).append(' ');
        }
        text.append("end");
        Doc doc = new Doc(id, text.toString(), seq, SourcePosition.fileLine("in", seq + 1), null);
        doc.entities().addAll(spans);
        return Result.output(doc);
    }

    private List<String> column(String file, String name) throws Exception {
        List<String> values = new ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(file))) {
            values.add(JSON.readTree(line).get(name).asText());
        }
        return values;
    }

    @Test
    void eachEntityIsALineInInputOrderAndANoteWithoutEntitiesWritesNone() throws Exception {
        try (JsonLinesFileWriter w = writer(new FileSinkState(0, 0, 0, List.of()))) {
            w.write(note(2, "30", "cough"), null);
            w.write(note(0, "10"), null);
            w.write(note(1, "20", "fever", "rash"), null);
            w.write(note(3, "forty", "pain"), null);
            w.flush(true);
        }
        assertEquals(
                List.of("fever", "rash", "cough"), column("note_nlp.jsonl", "lexical_variant"));
        assertEquals(List.of("20", "20", "30"), column("note_nlp.jsonl", "note_id"));
        assertEquals(List.of("forty"), column("dead.jsonl", "id"));
    }

    @Test
    void aRestoredWriterWritesTheWaitingNotesRowsOnce() throws Exception {
        FileSinkState checkpoint;
        try (JsonLinesFileWriter w = writer(new FileSinkState(0, 0, 0, List.of()))) {
            w.write(note(0, "10", "fever"), null);
            w.write(note(2, "30", "cough", "rash"), null);
            checkpoint = w.snapshotState(1).get(0);
            w.write(note(1, "20", "pain"), null);
        }
        FileSinkState restored =
                new FileSinkStateSerializer()
                        .deserialize(1, new FileSinkStateSerializer().serialize(checkpoint));
        try (JsonLinesFileWriter w = writer(restored)) {
            w.write(note(1, "20", "pain"), null);
            w.flush(true);
        }
        assertEquals(
                List.of("fever", "pain", "cough", "rash"),
                column("note_nlp.jsonl", "lexical_variant"));
    }

    @Test
    void theJsonKeysAreTheTablesColumnNames() throws Exception {
        try (JsonLinesFileWriter w = writer(new FileSinkState(0, 0, 0, List.of()))) {
            w.write(note(0, "10", "fever"), null);
            w.write(note(1, "x", "fever"), null);
            w.flush(true);
        }
        assertEquals(NoteNlpRow.COLUMNS, keys(dir.resolve("note_nlp.jsonl")));
        assertEquals(NoteNlpDeadLetterRow.COLUMNS, keys(dir.resolve("dead.jsonl")));
        JsonNode row = JSON.readTree(Files.readAllLines(dir.resolve("note_nlp.jsonl")).get(0));
        assertEquals("2026-01-02", row.get("nlp_date").asText());
        assertEquals("2026-01-02T03:04:05.000", row.get("nlp_datetime").asText());
        assertEquals(true, row.get("term_temporal").isNull());
    }

    private static List<String> keys(Path file) throws Exception {
        List<String> keys = new ArrayList<>();
        JSON.readTree(Files.readAllLines(file).get(0)).fieldNames().forEachRemaining(keys::add);
        return keys;
    }
}
