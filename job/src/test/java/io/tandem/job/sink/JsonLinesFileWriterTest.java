package io.tandem.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.source.RawRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesFileWriterTest {
    @TempDir Path dir;

    private JsonLinesFileWriter writer(boolean ordered, FileSinkState state, AtomicLong progress)
            throws Exception {
        return new JsonLinesFileWriter(
                dir.resolve("out.jsonl"),
                dir.resolve("dead.jsonl"),
                ordered,
                ResultLines.JSON,
                progress,
                null,
                state);
    }

    private static FileSinkState fresh() {
        return new FileSinkState(0, 0, 0, List.of());
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private static Result output(long seq, String id) {
        return Result.output(new Doc(id, "text of " + id, seq, null, null));
    }

    private static Result deadLetter(long seq) {
        return Result.deadLetter(
                new DeadLetters(100)
                        .of(
                                new RawRecord(
                                        seq, SourcePosition.fileLine("in", seq + 1), new byte[0]),
                                Stage.PARSE,
                                new IllegalArgumentException("bad")));
    }

    /** Each line's document id, or "#seq" for a dead letter. */
    private List<String> lines(String name) throws Exception {
        List<String> ids = new java.util.ArrayList<>();
        for (String line : Files.readAllLines(dir.resolve(name))) {
            JsonNode json = JSON.readTree(line);
            ids.add(json.has("id") ? json.get("id").asText() : "#" + json.get("seq").asLong());
        }
        return ids;
    }

    @Test
    void orderedModeWritesInSequenceOrderAcrossBothFiles() throws Exception {
        AtomicLong progress = new AtomicLong();
        try (JsonLinesFileWriter w = writer(true, fresh(), progress)) {
            w.write(output(2, "c"), null);
            w.write(deadLetter(1), null);
            w.write(output(0, "a"), null);
            w.write(output(3, "d"), null);
            w.flush(true);
        }
        assertEquals(List.of("a", "c", "d"), lines("out.jsonl"));
        assertEquals(List.of("#1"), lines("dead.jsonl"));
        assertEquals(4, progress.get());
    }

    @Test
    void unorderedModeWritesOnArrival() throws Exception {
        try (JsonLinesFileWriter w = writer(false, fresh(), null)) {
            w.write(output(5, "b"), null);
            w.write(output(1, "a"), null);
            w.flush(true);
        }
        assertEquals(List.of("b", "a"), lines("out.jsonl"));
    }

    @Test
    void aGapAtEndOfInputIsALostDocumentAndFails() throws Exception {
        try (JsonLinesFileWriter w = writer(true, fresh(), null)) {
            w.write(output(0, "a"), null);
            w.write(output(2, "c"), null);
            IllegalStateException e =
                    assertThrows(IllegalStateException.class, () -> w.flush(true));
            assertEquals(
                    "Input ended but sequence number 1 never arrived while 1 later lines wait (first waiting: 2)",
                    e.getMessage());
        }
    }

    @Test
    void aDuplicateSequenceNumberFails() throws Exception {
        try (JsonLinesFileWriter w = writer(true, fresh(), null)) {
            w.write(output(0, "a"), null);
            assertThrows(IllegalStateException.class, () -> w.write(output(0, "a"), null));
        }
    }

    @Test
    void restoreTruncatesWhatCameAfterTheCheckpointAndKeepsWaitingLines() throws Exception {
        FileSinkState checkpoint;
        try (JsonLinesFileWriter w = writer(true, fresh(), null)) {
            w.write(output(0, "a"), null);
            w.write(output(2, "c"), null);
            checkpoint = w.snapshotState(1).get(0);
            // Written after the checkpoint, then the job fails: these must not survive.
            w.write(output(1, "b"), null);
            w.write(deadLetter(3), null);
        }
        FileSinkState restored =
                new FileSinkStateSerializer()
                        .deserialize(1, new FileSinkStateSerializer().serialize(checkpoint));
        assertEquals(checkpoint, restored);
        try (JsonLinesFileWriter w = writer(true, restored, null)) {
            w.write(output(1, "b"), null);
            w.write(deadLetter(3), null);
            w.flush(true);
        }
        assertEquals(List.of("a", "b", "c"), lines("out.jsonl"));
        assertEquals(List.of("#3"), lines("dead.jsonl"));
    }
}
