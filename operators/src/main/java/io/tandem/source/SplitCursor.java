package io.tandem.source;

import io.tandem.parquet.ParquetFiles;
import io.tandem.parquet.ParquetRows;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/** Reads the records of one open split and knows the split's position after each. */
interface SplitCursor extends AutoCloseable {

    /** The next record's bytes, or null when the split is done. */
    byte[] next() throws IOException;

    /** The split as it stands: its position after the records handed out so far. */
    FileSplit position();

    @Override
    void close() throws IOException;

    static SplitCursor open(FileSplit split, ParquetRows rows) throws IOException {
        return split.format() == InputFormat.PARQUET
                ? new ParquetCursor(split, rows)
                : new JsonLinesCursor(split);
    }

    /**
     * One line at a time as raw bytes (no decoding, so invalid UTF-8 reaches the parser and the
     * dead-letter output intact). A line ends at {@code \n}; a trailing {@code \r} is dropped; a
     * last line without a newline still counts. A plain file resumes at its byte offset; a gzip
     * stream cannot seek, so it skips the lines already read.
     */
    final class JsonLinesCursor implements SplitCursor {
        private final InputStream in;
        private FileSplit position;
        private byte[] line = new byte[256];
        private long lineBytes;

        JsonLinesCursor(FileSplit split) throws IOException {
            this.position = split;
            boolean gzip = InputFormat.isGzip(split.path());
            this.in = InputFiles.open(split.path(), gzip ? 0 : split.byteOffset());
            if (gzip) {
                for (long i = 0; i < split.read(); i++) {
                    if (readLine() < 0) {
                        break;
                    }
                }
            }
        }

        @Override
        public byte[] next() throws IOException {
            if (position.isDone()) {
                return null;
            }
            int length = readLine();
            if (length < 0) {
                return null;
            }
            position = position.advance(lineBytes);
            return Arrays.copyOf(
                    line, length > 0 && line[length - 1] == '\r' ? length - 1 : length);
        }

        /** Reads the next line into {@link #line}; returns its length, or -1 at end of file. */
        private int readLine() throws IOException {
            int length = 0;
            long bytes = 0;
            int b;
            while ((b = in.read()) >= 0) {
                bytes++;
                if (b == '\n') {
                    break;
                }
                if (length == line.length) {
                    line = Arrays.copyOf(line, line.length * 2);
                }
                line[length++] = (byte) b;
            }
            lineBytes = bytes;
            return bytes == 0 ? -1 : length;
        }

        @Override
        public FileSplit position() {
            return position;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }
    }

    /** The rows of one Parquet row group, rendered as JSON by {@link ParquetRows}. */
    final class ParquetCursor implements SplitCursor {
        private final ParquetFileReader reader;
        private final RecordReader<Group> records;
        private final ParquetRows rows;
        private FileSplit position;

        ParquetCursor(FileSplit split, ParquetRows rows) throws IOException {
            this.rows = rows;
            this.position = split;
            this.reader = ParquetFiles.open(Path.of(split.path()));
            try {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                PageReadStore rowGroup = reader.readRowGroup(split.rowGroup());
                this.records =
                        new ColumnIOFactory()
                                .getColumnIO(schema)
                                .getRecordReader(rowGroup, new GroupRecordConverter(schema));
                for (long i = 0; i < split.read(); i++) {
                    records.read();
                }
            } catch (IOException | RuntimeException e) {
                reader.close();
                throw e;
            }
        }

        @Override
        public byte[] next() {
            if (position.isDone()) {
                return null;
            }
            byte[] json = rows.toJson(records.read());
            position = position.advance(0);
            return json;
        }

        @Override
        public FileSplit position() {
            return position;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }
}
