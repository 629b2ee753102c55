package io.tandem.source;

import io.tandem.doc.SourcePosition;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;

/**
 * Reads its assigned JSON Lines file one line at a time as raw bytes (no decoding, so invalid UTF-8
 * reaches the parser and the dead-letter output intact). A line ends at {@code \n}; a trailing
 * {@code \r} is dropped; a last line without a newline still counts.
 */
final class JsonLinesReader implements SourceReader<RawRecord, JsonLinesSplit> {
    private static final int BUFFER_BYTES = 1 << 16;

    private final SourceReaderContext context;
    private final Deque<JsonLinesSplit> pending = new ArrayDeque<>();
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private boolean noMoreSplits;

    private JsonLinesSplit current;
    private InputStream in;
    private byte[] line = new byte[256];

    JsonLinesReader(SourceReaderContext context) {
        this.context = context;
    }

    @Override
    public void start() {
        context.sendSplitRequest();
    }

    @Override
    public InputStatus pollNext(ReaderOutput<RawRecord> output) throws Exception {
        if (current == null && !openNextSplit()) {
            if (noMoreSplits) {
                return InputStatus.END_OF_INPUT;
            }
            available = new CompletableFuture<>();
            return InputStatus.NOTHING_AVAILABLE;
        }
        JsonLinesSplit position = current;
        int length = readLine();
        if (length < 0) {
            closeCurrent();
            context.sendSplitRequest();
            return InputStatus.MORE_AVAILABLE;
        }
        output.collect(
                new RawRecord(
                        position.nextSeq(),
                        SourcePosition.fileLine(position.path(), position.nextLine()),
                        Arrays.copyOf(line, trimCarriageReturn(length))));
        return InputStatus.MORE_AVAILABLE;
    }

    /** Reads the next line into {@link #line}; returns its length, or -1 at end of file. */
    private int readLine() throws IOException {
        int length = 0;
        long consumed = 0;
        int b;
        while ((b = in.read()) >= 0) {
            consumed++;
            if (b == '\n') {
                break;
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, line.length * 2);
            }
            line[length++] = (byte) b;
        }
        if (consumed == 0) {
            return -1;
        }
        current =
                new JsonLinesSplit(
                        current.path(),
                        current.byteOffset() + consumed,
                        current.nextLine() + 1,
                        current.nextSeq() + 1);
        return length;
    }

    private int trimCarriageReturn(int length) {
        return length > 0 && line[length - 1] == '\r' ? length - 1 : length;
    }

    private boolean openNextSplit() throws IOException {
        JsonLinesSplit next = pending.poll();
        if (next == null) {
            return false;
        }
        FileChannel channel = FileChannel.open(Path.of(next.path()), StandardOpenOption.READ);
        channel.position(next.byteOffset());
        in = new BufferedInputStream(Channels.newInputStream(channel), BUFFER_BYTES);
        current = next;
        return true;
    }

    private void closeCurrent() throws IOException {
        if (in != null) {
            in.close();
            in = null;
        }
        current = null;
    }

    @Override
    public List<JsonLinesSplit> snapshotState(long checkpointId) {
        List<JsonLinesSplit> state = new java.util.ArrayList<>();
        if (current != null) {
            state.add(current);
        }
        state.addAll(pending);
        return state;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<JsonLinesSplit> splits) {
        pending.addAll(splits);
        available.complete(null);
    }

    @Override
    public void notifyNoMoreSplits() {
        noMoreSplits = true;
        available.complete(null);
    }

    @Override
    public void close() throws Exception {
        closeCurrent();
    }
}
