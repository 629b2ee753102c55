package io.tandem.source;

import io.tandem.parquet.ParquetRows;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The input files as {@link RawRecord}s: JSON Lines (plain or gzip) and Parquet, from one file, a
 * folder or a glob ({@link InputFiles}). A split per byte range of a plain JSON Lines file (whole
 * lines), per gzip file and per Parquet row group; the enumerator hands them to the reading
 * subtasks as they ask, so a large file and several files are read in parallel. Sequence numbers
 * run on from file to file in path order, so the output can be put back in input order. Checkpoints
 * store each split's position, so a restart resumes every split where it stopped.
 */
public final class FileInputSource implements Source<RawRecord, FileSplit, FileEnumeratorState> {
    private static final long serialVersionUID = 1L;

    private final InputFiles files;
    private final String idColumn;
    private final String textColumn;
    private final Duration discoveryInterval;

    /**
     * Records the enumerator counted, by {@link #countKey}, while it runs: a local run's progress
     * display, in the same JVM, shows the total without counting the files a second time.
     */
    private static final Map<String, Long> COUNTED = new ConcurrentHashMap<>();

    /** Travels with the source into the job, so the client's instance finds its count. */
    private final String countKey = UUID.randomUUID().toString();

    /**
     * @param discoveryInterval how often to look for new files (a continuous source), or null to
     *     read the files present at start and end
     */
    public FileInputSource(
            InputFiles files,
            String idColumn,
            String textColumn,
            @Nullable Duration discoveryInterval) {
        this.files = files;
        this.idColumn = idColumn;
        this.textColumn = textColumn;
        this.discoveryInterval = discoveryInterval;
    }

    /** One JSON Lines or Parquet file, told by its extension, with columns id and text. */
    public static FileInputSource of(Path file) {
        return new FileInputSource(
                new InputFiles(file.toString(), null),
                SourceOptions.ID_COLUMN.defaultValue(),
                SourceOptions.TEXT_COLUMN.defaultValue(),
                null);
    }

    /**
     * The records the enumerator has counted so far, when it runs in this JVM (a local run), or -1.
     */
    public long countedRecords() {
        return COUNTED.getOrDefault(countKey, -1L);
    }

    @Override
    public Boundedness getBoundedness() {
        return discoveryInterval == null ? Boundedness.BOUNDED : Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, FileSplit> createReader(SourceReaderContext context) {
        return new FileReader(
                context,
                files.format() == InputFormat.OMOP
                        ? ParquetRows.allColumns()
                        : new ParquetRows(idColumn, textColumn));
    }

    @Override
    public SplitEnumerator<FileSplit, FileEnumeratorState> createEnumerator(
            SplitEnumeratorContext<FileSplit> context) {
        return restoreEnumerator(context, FileEnumeratorState.INITIAL);
    }

    @Override
    public SplitEnumerator<FileSplit, FileEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<FileSplit> context, FileEnumeratorState checkpoint) {
        return new FileEnumerator(
                context,
                files,
                discoveryInterval,
                checkpoint,
                new FileEnumerator.Counted() {
                    @Override
                    public void counted(long records) {
                        COUNTED.put(countKey, records);
                    }

                    @Override
                    public void closed() {
                        COUNTED.remove(countKey);
                    }
                });
    }

    @Override
    public SimpleVersionedSerializer<FileSplit> getSplitSerializer() {
        return FileSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<FileEnumeratorState> getEnumeratorCheckpointSerializer() {
        return FileEnumeratorStateSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "FileInputSource("
                + files.spec()
                + ", format "
                + (files.format() == null ? "by extension" : files.format().lowerCase())
                + ", Parquet columns "
                + idColumn
                + "/"
                + textColumn
                + ")";
    }
}
