package io.tandem.job;

import io.tandem.options.TandemOptions;
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
import org.apache.flink.configuration.Configuration;

/**
 * Resolves the {@code --input} value: {@code sample:N}, or a file, a folder or a glob of JSON Lines
 * (plain or gzip) and Parquet files.
 */
public record Inputs(Source<RawRecord, ?, ?> source, int parallelism, long expectedRecords) {

    public static Inputs resolve(Configuration options, int cpuWorkers) throws IOException {
        String spec = options.get(TandemOptions.INPUT);
        if (spec.startsWith("sample:")) {
            long count = SampleCorpus.parseSpec(spec);
            // Generating is cheap and splittable, so every CPU subtask can generate its share.
            return new Inputs(SampleSource.create(count), cpuWorkers, count);
        }
        InputFiles files =
                new InputFiles(
                        spec,
                        options.getOptional(SourceOptions.INPUT_FORMAT)
                                .map(InputFormat::parse)
                                .orElse(null));
        List<Path> paths = files.list();
        if (paths.isEmpty()) {
            throw new IllegalArgumentException(
                    "Input '"
                            + spec
                            + "' names no input file (expected .jsonl, .jsonl.gz or .parquet"
                            + " files, or --input-format)");
        }
        long records = 0;
        int splits = 0;
        for (Path path : paths) {
            if (!Files.isReadable(path)) {
                throw new IllegalArgumentException("Input file '" + path + "' is not readable");
            }
            for (FileSplit split : files.splitsOf(path, records)) {
                records += split.records();
                splits++;
            }
        }
        FileInputSource source =
                new FileInputSource(
                        files,
                        options.get(SourceOptions.ID_COLUMN),
                        options.get(SourceOptions.TEXT_COLUMN),
                        null);
        // One reader per split at most: a reader without a split would only wait.
        return new Inputs(source, Math.max(1, Math.min(cpuWorkers, splits)), records);
    }
}
