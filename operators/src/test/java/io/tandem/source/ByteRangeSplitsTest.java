package io.tandem.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.parquet.ParquetRows;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A plain JSON Lines file cut into byte ranges: every line is read exactly once, by the split its
 * start falls in, with its own line number and sequence number, whatever the range size.
 */
class ByteRangeSplitsTest {
    private static final ParquetRows ROWS = new ParquetRows("id", "text");

    @TempDir Path dir;

    /** Lines a reader sees, with where they came from. */
    private record Line(long seq, long lineNumber, String text) {}

    /**
     * Empty lines, CRLF endings, multi-byte UTF-8 (two, three and four bytes), a line far longer
     * than the smallest ranges, and a last line without a newline.
     */
    private Path awkwardFile() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        String[] lines = {
            "{\"id\":\"1\",\"text\":\"première\"}\r\n",
            "\n",
            "\n",
            "{\"id\":\"3\",\"text\":\"漢字と😀の行\"}\n",
            "{\"id\":\"4\",\"text\":\"" + "ü€😀".repeat(40) + "\"}\r\n",
            "\r\n",
            "x\n",
            "{\"id\":\"last\",\"text\":\"sans fin ✓\"}"
        };
        for (String line : lines) {
            bytes.write(line.getBytes(StandardCharsets.UTF_8));
        }
        return Files.write(dir.resolve("awkward.jsonl"), bytes.toByteArray());
    }

    /** The lines as the whole-file reader reads them: split at \n, a trailing \r dropped. */
    private static List<String> expectedLines(Path file) throws Exception {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(Arrays.asList(text.split("\n", -1)));
        if (lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        lines.replaceAll(line -> line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
        return lines;
    }

    private static List<Line> readAll(List<FileSplit> splits) throws Exception {
        List<Line> read = new ArrayList<>();
        for (FileSplit split : splits) {
            try (SplitCursor cursor = SplitCursor.open(split, ROWS)) {
                read.addAll(drain(cursor));
            }
        }
        return read;
    }

    private static List<Line> drain(SplitCursor cursor) throws Exception {
        List<Line> read = new ArrayList<>();
        while (true) {
            FileSplit before = cursor.position();
            byte[] value = cursor.next();
            if (value == null) {
                return read;
            }
            read.add(
                    new Line(
                            before.nextSeq(),
                            before.nextPosition(),
                            new String(value, StandardCharsets.UTF_8)));
        }
    }

    private static List<Line> numbered(List<String> lines) {
        List<Line> expected = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            expected.add(new Line(i, i + 1, lines.get(i)));
        }
        return expected;
    }

    @Test
    void everyLineIsReadExactlyOnceWithItsLineAndSequenceNumberAtEveryRangeSize() throws Exception {
        Path file = awkwardFile();
        List<Line> expected = numbered(expectedLines(file));
        long length = Files.size(file);
        for (long splitBytes = 1; splitBytes <= length + 1; splitBytes++) {
            InputFiles files = new InputFiles(file.toString(), null, splitBytes);
            List<FileSplit> splits = files.splitsOf(file);
            assertEquals(expected, readAll(splits), "ranges of " + splitBytes + " bytes");
            assertTrue(
                    splits.size() <= files.maxSplits(List.of(file)),
                    splits.size() + " splits, more than the estimate, at " + splitBytes);
        }
    }

    @Test
    void rangesCountedOnSeveralThreadsMatchTheWholeFileCount() throws Exception {
        Path file = awkwardFile();
        Path other = Files.writeString(dir.resolve("other.jsonl"), "a\nb\nc\n");
        InputFiles files = new InputFiles(dir.toString(), null, 7);
        List<List<FileSplit>> splits = files.splitsOf(List.of(file, other), 4);
        long lines = expectedLines(file).size();
        assertEquals(lines, splits.get(0).stream().mapToLong(FileSplit::records).sum());
        assertEquals(3, splits.get(1).stream().mapToLong(FileSplit::records).sum());
        assertEquals(lines, InputFiles.countLines(file));
        assertEquals(lines + 3, files.countRecords(4));
    }

    @Test
    void aSplitRestoredMidRangeFromItsCheckpointGoesOnWithTheNextLine() throws Exception {
        Path file = awkwardFile();
        List<Line> expected = numbered(expectedLines(file));
        for (long splitBytes : new long[] {5, 23, 64}) {
            List<Line> read = new ArrayList<>();
            for (FileSplit split :
                    new InputFiles(file.toString(), null, splitBytes).splitsOf(file)) {
                FileSplit checkpointed;
                try (SplitCursor cursor = SplitCursor.open(split, ROWS)) {
                    FileSplit before = cursor.position();
                    byte[] first = cursor.next();
                    read.add(
                            new Line(
                                    before.nextSeq(),
                                    before.nextPosition(),
                                    new String(first, StandardCharsets.UTF_8)));
                    // As a checkpoint stores it, then as a restarted reader gets it back.
                    byte[] stored = FileSplitSerializer.INSTANCE.serialize(cursor.position());
                    checkpointed =
                            FileSplitSerializer.INSTANCE.deserialize(
                                    FileSplitSerializer.VERSION, stored);
                }
                try (SplitCursor restored = SplitCursor.open(checkpointed, ROWS)) {
                    read.addAll(drain(restored));
                }
            }
            assertEquals(expected, read, "restored mid-split, ranges of " + splitBytes + " bytes");
        }
    }

    @Test
    void aRangeInsideOneLongLineHoldsNoSplitAndTheLineStaysWithTheRangeItStartsIn()
            throws Exception {
        Path file =
                Files.writeString(
                        dir.resolve("long.jsonl"), "short\n" + "y".repeat(100) + "\nend\n");
        List<FileSplit> splits = new InputFiles(file.toString(), null, 4).splitsOf(file);
        assertEquals(
                List.of(
                        new Line(0, 1, "short"),
                        new Line(1, 2, "y".repeat(100)),
                        new Line(2, 3, "end")),
                readAll(splits));
        // 28 ranges of 4 bytes; only the three where a line starts are splits.
        assertEquals(3, splits.size());
        assertEquals(List.of(0L, 6L, 107L), splits.stream().map(FileSplit::byteOffset).toList());
    }

    @Test
    void rangeSizeGivesEveryReaderSeveralSplitsWithinItsBounds() {
        assertEquals(InputFiles.MIN_SPLIT_BYTES, InputFiles.splitBytesFor(1000, 8));
        assertEquals(InputFiles.MAX_SPLIT_BYTES, InputFiles.splitBytesFor(1L << 40, 8));
        assertEquals(1L << 20, InputFiles.splitBytesFor(32L << 20, 8));
    }
}
