package io.tandem.source;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * One unit of reading work and its checkpointed position: a byte range of a plain JSON Lines file
 * (whole lines), a whole gzip JSON Lines file, or one row group of a Parquet file.
 *
 * @param rowGroup the Parquet row group, or -1 for a JSON Lines file
 * @param firstRow the file row of the split's first record (for JSON Lines its 0-based line)
 * @param records how many records the split holds
 * @param firstSeq the sequence number of the split's first record; the enumerator numbers the
 *     splits one after another, so every record of the input has its own
 * @param read records of this split already emitted
 * @param byteOffset where reading resumes in a plain JSON Lines file (0 otherwise)
 */
public record FileSplit(
        String path,
        InputFormat format,
        int rowGroup,
        long firstRow,
        long records,
        long firstSeq,
        long read,
        long byteOffset)
        implements SourceSplit {

    /**
     * Lines of a JSON Lines file.
     *
     * @param byteOffset where the first of them starts (0 for gzip, read from its start)
     * @param firstLine the 0-based line of the first of them in the file
     */
    public static FileSplit jsonLines(
            String path, long byteOffset, long lines, long firstLine, long firstSeq) {
        return new FileSplit(
                path, InputFormat.JSONL, -1, firstLine, lines, firstSeq, 0, byteOffset);
    }

    public static FileSplit rowGroup(
            String path, int rowGroup, long firstRow, long rows, long firstSeq) {
        return new FileSplit(path, InputFormat.PARQUET, rowGroup, firstRow, rows, firstSeq, 0, 0);
    }

    @Override
    public String splitId() {
        if (rowGroup >= 0) {
            return path + "#row-group-" + rowGroup;
        }
        return firstRow == 0 ? path : path + "#line-" + (firstRow + 1);
    }

    /**
     * The same split, its sequence numbers and rows (lines) moved on by {@code seq}, {@code rows}.
     */
    FileSplit shifted(long seq, long rows) {
        return new FileSplit(
                path, format, rowGroup, firstRow + rows, records, firstSeq + seq, read, byteOffset);
    }

    public long nextSeq() {
        return firstSeq + read;
    }

    /** The next record's row in the file: 0-based for Parquet, its 1-based line for JSON Lines. */
    public long nextPosition() {
        return format == InputFormat.JSONL ? firstRow + read + 1 : firstRow + read;
    }

    public boolean isDone() {
        return read >= records;
    }

    /** The records of this split not yet emitted. */
    public long remaining() {
        return Math.max(0, records - read);
    }

    FileSplit advance(long consumedBytes) {
        return new FileSplit(
                path,
                format,
                rowGroup,
                firstRow,
                records,
                firstSeq,
                read + 1,
                byteOffset + consumedBytes);
    }
}
