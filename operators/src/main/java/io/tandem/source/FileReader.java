package io.tandem.source;

import io.tandem.doc.SourcePosition;
import io.tandem.parquet.ParquetRows;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Counter;

/**
 * Reads one split at a time and asks the enumerator for the next when it is done, so the splits
 * spread over the reading subtasks as each finishes its work. Every record carries its split's
 * sequence number and its file position: the line of a JSON Lines file, the row of a Parquet file.
 * Its backlog is Flink's {@code pendingRecords} metric ({@link PendingRecords}).
 */
final class FileReader implements SourceReader<RawRecord, FileSplit> {
    private final SourceReaderContext context;
    private final ParquetRows rows;
    private final Counter recordsIn;
    private final Deque<FileSplit> pending = new ArrayDeque<>();
    private final PendingRecords backlog = new PendingRecords();
    private CompletableFuture<Void> available = new CompletableFuture<>();
    private boolean noMoreSplits;
    private SplitCursor current;

    FileReader(SourceReaderContext context, ParquetRows rows) {
        this.context = context;
        this.rows = rows;
        this.recordsIn = context.metricGroup().getIOMetricGroup().getNumRecordsInCounter();
        context.metricGroup().setPendingRecordsGauge(backlog::value);
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
        FileSplit position = current.position();
        byte[] value = current.next();
        if (value == null) {
            backlog.finished(current.position());
            closeCurrent();
            context.sendSplitRequest();
            return InputStatus.MORE_AVAILABLE;
        }
        recordsIn.inc();
        backlog.emitted();
        output.collect(
                new RawRecord(
                        position.nextSeq(),
                        position.format() == InputFormat.PARQUET
                                ? SourcePosition.fileRow(position.path(), position.nextPosition())
                                : SourcePosition.fileLine(position.path(), position.nextPosition()),
                        value));
        return InputStatus.MORE_AVAILABLE;
    }

    private boolean openNextSplit() throws Exception {
        FileSplit next = pending.poll();
        if (next == null) {
            return false;
        }
        current = SplitCursor.open(next, rows);
        return true;
    }

    private void closeCurrent() throws Exception {
        if (current != null) {
            current.close();
            current = null;
        }
    }

    @Override
    public List<FileSplit> snapshotState(long checkpointId) {
        List<FileSplit> state = new ArrayList<>();
        if (current != null) {
            state.add(current.position());
        }
        state.addAll(pending);
        return state;
    }

    @Override
    public CompletableFuture<Void> isAvailable() {
        return available;
    }

    @Override
    public void addSplits(List<FileSplit> splits) {
        pending.addAll(splits);
        splits.forEach(backlog::added);
        available.complete(null);
    }

    @Override
    public void handleSourceEvents(SourceEvent event) {
        if (event instanceof UnassignedRecords unassigned) {
            backlog.unassigned(unassigned.records());
        }
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
