package io.tandem.job;

import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
import io.tandem.source.FileSplit;
import io.tandem.source.InputFiles;
import io.tandem.source.InputFormat;
import io.tandem.source.RawRecord;
import io.tandem.source.SampleSource;
import io.tandem.source.SourceOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.api.connector.source.Source;

/**
 * Resolves the {@code tandem.input} value: {@code sample:N}, or a file, a folder or a glob of JSON
 * Lines (plain or gzip) and Parquet files. A {@code jdbc:} input is resolved by {@link
 * io.tandem.job.jdbc.NoteInput}.
 *
 * @param description what {@link #describe()} says, or null to tell it from the source
 */
public record Inputs(
        Source<RawRecord, ?, ?> source, int parallelism, long expectedRecords, String description) {

    public Inputs(Source<RawRecord, ?, ?> source, int parallelism, long expectedRecords) {
        this(source, parallelism, expectedRecords, null);
    }

    /**
     * @param format the format of every input file, or null to tell it from each file's extension
     * @param idColumn Parquet input: the column holding the document id
     * @param textColumn Parquet input: the column holding the document text
     */
    public static Inputs resolve(
            String spec, InputFormat format, String idColumn, String textColumn, int cpuWorkers)
            throws IOException {
        if (spec.startsWith("sample:")) {
            long count = SampleCorpus.parseSpec(spec);
            // Generating is cheap and splittable, so every CPU subtask can generate its share.
            return new Inputs(SampleSource.create(count), cpuWorkers, count);
        }
        InputFiles files = new InputFiles(spec, format);
        List<Path> paths = files.list();
        if (paths.isEmpty()) {
            throw new IllegalArgumentException(
                    "'"
                            + spec
                            + "' names no input file; expected .jsonl, .jsonl.gz or .parquet"
                            + " files, or "
                            + SourceOptions.INPUT_FORMAT.key());
        }
        long records = 0;
        int splits = 0;
        for (Path path : paths) {
            if (!Files.isReadable(path)) {
                throw new IllegalArgumentException("'" + path + "' is not readable");
            }
            for (FileSplit split : files.splitsOf(path, records)) {
                records += split.records();
                splits++;
            }
        }
        FileInputSource source = new FileInputSource(files, idColumn, textColumn, null);
        // One reader per split at most: a reader without a split would only wait.
        return new Inputs(source, Math.max(1, Math.min(cpuWorkers, splits)), records);
    }

    /** The files, their format and Parquet columns, or the generated sample. */
    public String describe() {
        if (description != null) {
            return description;
        }
        return source instanceof FileInputSource ? source.toString() : "generated sample";
    }
}
