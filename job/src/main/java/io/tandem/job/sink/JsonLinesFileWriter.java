package io.tandem.job.sink;

import io.tandem.results.Result;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.api.connector.sink2.StatefulSinkWriter;

/** The single writer of a {@link JsonLinesFileSink}. */
final class JsonLinesFileWriter implements StatefulSinkWriter<Result, FileSinkState> {
    private final TrackedFile output;
    private final TrackedFile deadLetters;
    private final boolean ordered;
    private final ResultLines lines;
    private final AtomicLong progress;
    private final AtomicLong deadLetterProgress;
    private final TreeMap<Long, EncodedLine> waiting = new TreeMap<>();
    private long nextSeq;

    JsonLinesFileWriter(
            Path outputPath,
            Path deadLetterPath,
            boolean ordered,
            ResultLines lines,
            AtomicLong progress,
            AtomicLong deadLetterProgress,
            FileSinkState state)
            throws IOException {
        // No output path: a dead-letter-only writer, beside a sink of another format.
        this.output = outputPath == null ? null : new TrackedFile(outputPath, state.outputBytes());
        this.deadLetters = new TrackedFile(deadLetterPath, state.deadLetterBytes());
        this.ordered = ordered;
        this.lines = lines;
        this.progress = progress;
        this.deadLetterProgress = deadLetterProgress;
        this.nextSeq = state.nextSeq();
        state.waiting().forEach(line -> waiting.put(line.seq(), line));
        if (progress != null) {
            progress.set(nextSeq + waiting.size());
        }
    }

    @Override
    public void write(Result result, Context context) throws IOException {
        ResultLines.Encoded encoded = lines.encode(result);
        EncodedLine line =
                new EncodedLine(result.seq(), encoded.deadLetter(), result.key(), encoded.lines());
        if (progress != null) {
            progress.incrementAndGet();
        }
        if (deadLetterProgress != null && encoded.deadLetter()) {
            deadLetterProgress.incrementAndGet();
        }
        if (!ordered) {
            append(line);
            return;
        }
        if (line.seq() < nextSeq || waiting.containsKey(line.seq())) {
            throw new IllegalStateException(
                    "Sequence number " + line.seq() + " arrived twice: " + result);
        }
        waiting.put(line.seq(), line);
        EncodedLine next;
        while ((next = waiting.get(nextSeq)) != null) {
            waiting.remove(nextSeq);
            append(next);
            nextSeq++;
        }
    }

    private void append(EncodedLine line) throws IOException {
        if (!line.deadLetter() && output == null) {
            throw new IllegalStateException(
                    "A processed document reached the dead-letter-only writer: " + line.key());
        }
        (line.deadLetter() ? deadLetters : output).writeLine(line.json());
    }

    @Override
    public void flush(boolean endOfInput) throws IOException {
        if (endOfInput && !waiting.isEmpty()) {
            // Every sequence number must end in one of the two files; a gap means a lost document.
            throw new IllegalStateException(
                    "Input ended but sequence number "
                            + nextSeq
                            + " never arrived while "
                            + waiting.size()
                            + " later lines wait (first waiting: "
                            + waiting.firstKey()
                            + ")");
        }
        flushBoth();
    }

    private void flushBoth() throws IOException {
        if (output != null) {
            output.flush();
        }
        deadLetters.flush();
    }

    @Override
    public List<FileSinkState> snapshotState(long checkpointId) throws IOException {
        flushBoth();
        return List.of(
                new FileSinkState(
                        output == null ? 0 : output.bytes,
                        deadLetters.bytes,
                        nextSeq,
                        new ArrayList<>(waiting.values())));
    }

    @Override
    public void close() throws IOException {
        try (TrackedFile o = output;
                TrackedFile d = deadLetters) {
            flushBoth();
        }
    }

    /** A file opened for appending at a known byte count, truncating anything after it. */
    private static final class TrackedFile implements AutoCloseable {
        private final FileChannel channel;
        private final OutputStream out;
        private long bytes;

        TrackedFile(Path path, long bytes) throws IOException {
            this.channel =
                    FileChannel.open(
                            path,
                            StandardOpenOption.CREATE,
                            StandardOpenOption.WRITE,
                            StandardOpenOption.READ);
            channel.truncate(bytes);
            channel.position(bytes);
            this.out = new BufferedOutputStream(Channels.newOutputStream(channel), 1 << 16);
            this.bytes = bytes;
        }

        /** {@code json}'s lines, each ended by a newline; nothing for an empty one. */
        void writeLine(String json) throws IOException {
            if (json.isEmpty()) {
                return;
            }
            byte[] encoded = json.getBytes(StandardCharsets.UTF_8);
            out.write(encoded);
            out.write('\n');
            bytes += encoded.length + 1;
        }

        void flush() throws IOException {
            out.flush();
        }

        @Override
        public void close() throws IOException {
            out.close();
        }
    }
}
