package io.tandem.source;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Deque;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/** Hands each file split to the first reader that asks; the others learn there is no more. */
final class JsonLinesEnumerator implements SplitEnumerator<JsonLinesSplit, List<JsonLinesSplit>> {
    private final SplitEnumeratorContext<JsonLinesSplit> context;
    private final Deque<JsonLinesSplit> unassigned;

    JsonLinesEnumerator(
            SplitEnumeratorContext<JsonLinesSplit> context, Collection<JsonLinesSplit> splits) {
        this.context = context;
        this.unassigned = new ArrayDeque<>(splits);
    }

    @Override
    public void start() {}

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        JsonLinesSplit next = unassigned.poll();
        if (next != null) {
            context.assignSplit(next, subtaskId);
        } else {
            context.signalNoMoreSplits(subtaskId);
        }
    }

    @Override
    public void addSplitsBack(List<JsonLinesSplit> splits, int subtaskId) {
        // A failed reader's splits come back at their last checkpointed position.
        splits.forEach(unassigned::addFirst);
    }

    @Override
    public void addReader(int subtaskId) {}

    @Override
    public List<JsonLinesSplit> snapshotState(long checkpointId) {
        return new ArrayList<>(unassigned);
    }

    @Override
    public void close() throws IOException {}
}
