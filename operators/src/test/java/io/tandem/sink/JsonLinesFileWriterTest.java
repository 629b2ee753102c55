package io.tandem.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.parse.ResultLine;
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
                dir.resolve("out.jsonl"), dir.resolve("dead.jsonl"), ordered, progress, state);
    }

    private static FileSinkState fresh() {
        return new FileSinkState(0, 0, 0, List.of());
    }

    private List<String> lines(String name) throws Exception {
        return Files.readAllLines(dir.resolve(name));
    }

    @Test
    void orderedModeWritesInSequenceOrderAcrossBothFiles() throws Exception {
        AtomicLong progress = new AtomicLong();
        try (JsonLinesFileWriter w = writer(true, fresh(), progress)) {
            w.write(ResultLine.output(2, "c", "{\"id\":\"c\"}"), null);
            w.write(ResultLine.deadLetter(1, "{\"seq\":1}"), null);
            w.write(ResultLine.output(0, "a", "{\"id\":\"a\"}"), null);
            w.write(ResultLine.output(3, "d", "{\"id\":\"d\"}"), null);
            w.flush(true);
        }
        assertEquals(
                List.of("{\"id\":\"a\"}", "{\"id\":\"c\"}", "{\"id\":\"d\"}"), lines("out.jsonl"));
        assertEquals(List.of("{\"seq\":1}"), lines("dead.jsonl"));
        assertEquals(4, progress.get());
    }

    @Test
    void unorderedModeWritesOnArrival() throws Exception {
        try (JsonLinesFileWriter w = writer(false, fresh(), null)) {
            w.write(ResultLine.output(5, "b", "B"), null);
            w.write(ResultLine.output(1, "a", "A"), null);
            w.flush(true);
        }
        assertEquals(List.of("B", "A"), lines("out.jsonl"));
    }

    @Test
    void aGapAtEndOfInputIsALostDocumentAndFails() throws Exception {
        try (JsonLinesFileWriter w = writer(true, fresh(), null)) {
            w.write(ResultLine.output(0, "a", "A"), null);
            w.write(ResultLine.output(2, "c", "C"), null);
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
            w.write(ResultLine.output(0, "a", "A"), null);
            assertThrows(
                    IllegalStateException.class,
                    () -> w.write(ResultLine.output(0, "a", "A"), null));
        }
    }

    @Test
    void restoreTruncatesWhatCameAfterTheCheckpointAndKeepsWaitingLines() throws Exception {
        FileSinkState checkpoint;
        try (JsonLinesFileWriter w = writer(true, fresh(), null)) {
            w.write(ResultLine.output(0, "a", "A"), null);
            w.write(ResultLine.output(2, "c", "C"), null);
            checkpoint = w.snapshotState(1).get(0);
            // Written after the checkpoint, then the job fails: these must not survive.
            w.write(ResultLine.output(1, "b", "B"), null);
            w.write(ResultLine.deadLetter(3, "D"), null);
        }
        FileSinkState restored =
                new FileSinkStateSerializer()
                        .deserialize(1, new FileSinkStateSerializer().serialize(checkpoint));
        assertEquals(checkpoint, restored);
        try (JsonLinesFileWriter w = writer(true, restored, null)) {
            w.write(ResultLine.output(1, "b", "B"), null);
            w.write(ResultLine.deadLetter(3, "D"), null);
            w.flush(true);
        }
        assertEquals(List.of("A", "B", "C"), lines("out.jsonl"));
        assertEquals(List.of("D"), lines("dead.jsonl"));
    }
}
