package io.tandem.job;

import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
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
 * @param expectedRecords how many records the input holds, or {@link #UNKNOWN_RECORDS}
 * @param description what {@link #describe()} says, or null to tell it from the source
 */
public record Inputs(
        Source<RawRecord, ?, ?> source, int parallelism, long expectedRecords, String description) {

    /** {@link #expectedRecords} of an input whose records are counted by its source, at start. */
    public static final long UNKNOWN_RECORDS = -1;

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
        long plainBytes = 0;
        for (Path path : paths) {
            if (!Files.isReadable(path)) {
                throw new IllegalArgumentException("'" + path + "' is not readable");
            }
            if (files.isPlainJsonLines(path)) {
                plainBytes += Files.size(path);
            }
        }
        files = new InputFiles(spec, format, InputFiles.splitBytesFor(plainBytes, cpuWorkers));
        // Records are counted once, by the source's enumerator, where the job runs: not here.
        FileInputSource source = new FileInputSource(files, idColumn, textColumn, null);
        // One reader per split at most: a reader without a split would only wait. With a split
        // for every CPU subtask the readers run at the CPU task set's parallelism, chained to
        // parse, each at its own pace (TandemJob.annotate).
        long splits = files.maxSplits(paths);
        return new Inputs(source, (int) Math.max(1, Math.min(cpuWorkers, splits)), UNKNOWN_RECORDS);
    }

    /** The files, their format and Parquet columns, or the generated sample. */
    public String describe() {
        if (description != null) {
            return description;
        }
        return source instanceof FileInputSource ? source.toString() : "generated sample";
    }
}
