package io.tandem.job.sink;

import io.tandem.results.Result;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;
import org.apache.flink.api.connector.sink2.SupportsWriterState;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * Writes processed documents to one JSON Lines file and dead letters to another ({@link
 * JsonResults}), from a single subtask. In ordered mode lines are written in sequence-number order
 * (the input order of a file or sample source, whose sequence numbers are 0, 1, 2, ... with every
 * number ending in one of the two files); otherwise as they arrive.
 *
 * <p>Exactly once across restarts: the writer checkpoints how many bytes of each file belong to the
 * checkpoint and truncates the files back to that on restore, so replayed records are written once.
 */
public final class JsonLinesFileSink
        implements Sink<Result>, SupportsWriterState<Result, FileSinkState> {
    private static final long serialVersionUID = 1L;

    private final String outputPath;
    private final String deadLetterPath;
    private final boolean ordered;
    private final String progressKey;
    private final ResultLines lines;

    /**
     * @param progressKey key of the {@link LocalProgress} counter to advance per line, or null.
     */
    public JsonLinesFileSink(Path output, Path deadLetters, boolean ordered, String progressKey) {
        this(output, deadLetters, ordered, progressKey, ResultLines.JSON);
    }

    /**
     * @param lines how each result is written (OMOP rows: {@link NoteNlpLines})
     */
    public JsonLinesFileSink(
            Path output, Path deadLetters, boolean ordered, String progressKey, ResultLines lines) {
        if (output != null && output.toAbsolutePath().equals(deadLetters.toAbsolutePath())) {
            throw new IllegalArgumentException(
                    "The output and the dead-letter output must be different files, both are "
                            + output);
        }
        this.outputPath = output == null ? null : output.toAbsolutePath().toString();
        this.deadLetterPath = deadLetters.toAbsolutePath().toString();
        this.ordered = ordered;
        this.progressKey = progressKey;
        this.lines = lines;
    }

    /**
     * Dead letters only, in arrival order, for outputs of another format (Parquet): they see only
     * some sequence numbers, so they cannot wait for the gaps to fill.
     */
    public static JsonLinesFileSink deadLettersOnly(Path deadLetters, String progressKey) {
        return deadLettersOnly(deadLetters, progressKey, ResultLines.JSON);
    }

    /** As {@link #deadLettersOnly(Path, String)}, each written as {@code lines} says. */
    public static JsonLinesFileSink deadLettersOnly(
            Path deadLetters, String progressKey, ResultLines lines) {
        return new JsonLinesFileSink(null, deadLetters, false, progressKey, lines);
    }

    @Override
    public StatefulSinkWriter<Result, FileSinkState> createWriter(WriterInitContext context)
            throws IOException {
        return restoreWriter(context, List.of());
    }

    @Override
    public StatefulSinkWriter<Result, FileSinkState> restoreWriter(
            WriterInitContext context, Collection<FileSinkState> recoveredState)
            throws IOException {
        int parallelism = context.getTaskInfo().getNumberOfParallelSubtasks();
        if (parallelism != 1) {
            throw new IllegalStateException(
                    "JsonLinesFileSink writes one file and must run with parallelism 1, got "
                            + parallelism);
        }
        if (recoveredState.size() > 1) {
            throw new IllegalStateException(
                    "Expected at most one file sink state, got " + recoveredState.size());
        }
        FileSinkState state =
                recoveredState.isEmpty()
                        ? new FileSinkState(0, 0, 0, List.of())
                        : recoveredState.iterator().next();
        return new JsonLinesFileWriter(
                outputPath == null ? null : Path.of(outputPath),
                Path.of(deadLetterPath),
                ordered,
                lines,
                progressKey == null ? null : LocalProgress.counter(progressKey),
                progressKey == null ? null : LocalProgress.deadLetters(progressKey),
                state);
    }

    @Override
    public SimpleVersionedSerializer<FileSinkState> getWriterStateSerializer() {
        return new FileSinkStateSerializer();
    }

    @Override
    public String toString() {
        return "JsonLinesFileSink(" + outputPath + ", dead letters " + deadLetterPath + ")";
    }
}
