package io.tandem.job;

import io.tandem.sample.SampleCorpus;
import io.tandem.source.JsonLinesFileSource;
import io.tandem.source.RawRecord;
import io.tandem.source.SampleSource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.api.connector.source.Source;

/** Resolves the {@code tandem.input} value: {@code sample:N} or a JSON Lines file. */
public record Inputs(Source<RawRecord, ?, ?> source, int parallelism, long expectedRecords) {

    public static Inputs resolve(String spec, int cpuWorkers) throws IOException {
        if (spec.startsWith("sample:")) {
            long count = SampleCorpus.parseSpec(spec);
            // Generating is cheap and splittable, so every CPU subtask can generate its share.
            return new Inputs(SampleSource.create(count), cpuWorkers, count);
        }
        Path file = Path.of(spec);
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException(
                    "'" + spec + "' does not exist; expected a JSON Lines file or sample:N");
        }
        if (!Files.isReadable(file)) {
            throw new IllegalArgumentException("'" + spec + "' is not readable");
        }
        return new Inputs(new JsonLinesFileSource(file), 1, countLines(file));
    }

    /** Lines as the source counts them: newline-terminated, plus a last unterminated one. */
    static long countLines(Path file) throws IOException {
        long lines = 0;
        int last = '\n';
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = Files.newInputStream(file)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                last = buffer[read - 1];
            }
        }
        return last == '\n' ? lines : lines + 1;
    }
}
