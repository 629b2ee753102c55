package io.tandem.job.jdbc;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.connector.jdbc.core.datastream.source.split.CheckpointedOffset;
import org.apache.flink.connector.jdbc.core.datastream.source.split.JdbcSourceSplit;
import org.apache.flink.connector.jdbc.split.JdbcNumericBetweenParametersProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The follow mode's enumerator: every interval it polls NOTE above its position ({@link
 * NotePoller}, on the coordinator's worker thread) and turns what is new into note_id range splits,
 * handed to the readers as they ask. The position moves on the coordinator thread only, together
 * with the splits it made, so a checkpoint holds both or neither.
 */
final class NoteFollowEnumerator implements SplitEnumerator<JdbcSourceSplit, NoteFollowState> {
    private static final Logger LOG = LoggerFactory.getLogger(NoteFollowEnumerator.class);

    /** A new range is cut into splits of at least this many ids, up to the reading splits. */
    static final int MIN_IDS_PER_SPLIT = 100;

    /** What the enumerator needs besides its context and state. */
    record Settings(
            JdbcConnection connection,
            String from,
            String sqlTemplate,
            Duration interval,
            int maxSplitsPerRange,
            Duration gapTimeout)
            implements Serializable {}

    private final SplitEnumeratorContext<JdbcSourceSplit> context;
    private final Settings settings;
    private final NotePoller poller;
    private final Deque<JdbcSourceSplit> unassigned;
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();

    /** Written on the coordinator thread, read by the poll on the worker thread. */
    private volatile FollowPosition position;

    NoteFollowEnumerator(
            SplitEnumeratorContext<JdbcSourceSplit> context,
            Settings settings,
            NoteFollowState restored) {
        this.context = context;
        this.settings = settings;
        this.poller = new NotePoller(settings.connection(), settings.from());
        this.position = restored.position();
        this.unassigned = new ArrayDeque<>(restored.unassigned());
    }

    @Override
    public void start() {
        LOG.info("Following {} every {} ms from {}", settings.from(), millis(), position);
        context.callAsync(this::poll, this::advance, 0, millis());
    }

    private long millis() {
        return settings.interval().toMillis();
    }

    /** On the worker thread. */
    private Polled poll() throws Exception {
        FollowPosition at = position;
        return new Polled(at, poller.poll(at), System.currentTimeMillis());
    }

    private record Polled(FollowPosition at, FollowPosition.Poll poll, long when) {}

    /** On the coordinator thread. */
    private void advance(Polled polled, Throwable error) {
        if (error != null) {
            // The database may be restarting; the next poll tries again.
            LOG.warn("Polling {} failed; trying again in {} ms", settings.from(), millis(), error);
            return;
        }
        if (polled.at() != position) {
            return; // polled from a position already left: the next poll sees the new one
        }
        FollowPosition.Step step =
                position.advance(polled.poll(), polled.when(), settings.gapTimeout());
        if (!step.moved()) {
            return;
        }
        List<JdbcSourceSplit> splits = splitsOf(step, settings);
        unassigned.addAll(splits);
        position = step.next();
        if (!step.givenUp().isEmpty()) {
            LOG.warn(
                    "Gave up waiting for note_ids {} of {}: missing for {} ms (a rolled-back insert,"
                            + " or a transaction open longer than that)",
                    step.givenUp(),
                    settings.from(),
                    settings.gapTimeout().toMillis());
        }
        LOG.debug("{} new splits, now at {}", splits.size(), position);
        assign();
    }

    /** The new range cut in splits, and each gap found as a split of its own. */
    static List<JdbcSourceSplit> splitsOf(FollowPosition.Step step, Settings settings) {
        List<JdbcSourceSplit> splits = new ArrayList<>();
        for (long gap : step.foundGaps()) {
            splits.add(split("gap-" + gap, settings, gap, gap));
        }
        FollowPosition.Range range = step.newRange();
        if (range != null) {
            long ids = range.last() - range.first() + 1;
            int pieces =
                    (int)
                            Math.max(
                                    1,
                                    Math.min(
                                            settings.maxSplitsPerRange(),
                                            (ids + MIN_IDS_PER_SPLIT - 1) / MIN_IDS_PER_SPLIT));
            for (Serializable[] between :
                    new JdbcNumericBetweenParametersProvider(range.first(), range.last())
                            .ofBatchNum(pieces)
                            .getParameterValues()) {
                splits.add(
                        split(
                                "ids-" + between[0] + "-" + between[1],
                                settings,
                                (Long) between[0],
                                (Long) between[1]));
            }
        }
        return splits;
    }

    private static JdbcSourceSplit split(String id, Settings settings, long first, long last) {
        return new JdbcSourceSplit(
                id,
                settings.sqlTemplate(),
                new Serializable[] {first, last},
                new CheckpointedOffset());
    }

    private void assign() {
        Iterator<Integer> readers = waitingReaders.iterator();
        while (readers.hasNext() && !unassigned.isEmpty()) {
            int reader = readers.next();
            readers.remove();
            if (context.registeredReaders().containsKey(reader)) {
                context.assignSplit(unassigned.poll(), reader);
            }
        }
    }

    @Override
    public void handleSplitRequest(int subtask, String hostname) {
        waitingReaders.add(subtask);
        assign();
    }

    @Override
    public void addSplitsBack(List<JdbcSourceSplit> splits, int subtask) {
        // A failed reader's splits, read again first.
        for (int i = splits.size() - 1; i >= 0; i--) {
            unassigned.addFirst(splits.get(i));
        }
        assign();
    }

    @Override
    public void addReader(int subtask) {
        // Readers ask for splits when they start.
    }

    @Override
    public NoteFollowState snapshotState(long checkpointId) {
        return new NoteFollowState(position, List.copyOf(unassigned));
    }

    @Override
    public void close() {
        poller.close();
    }
}
