package io.tandem.source;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import javax.annotation.Nullable;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;

/**
 * Lists the input files (on the enumerator's worker thread, since counting lines reads them), cuts
 * them into splits (byte ranges of plain JSON Lines files, whole gzip files, Parquet row groups)
 * and hands one split to each reader that asks, in input order: a reader that is behind asks less
 * often, so the work follows each reader's pace. Splits are numbered one after another as files are
 * found, so sequence numbers stay unique and gap-free across files: the first record of a file
 * comes right after the last of the file before it.
 *
 * <p>It reports the input's backlog to Flink's autoscaler: each reader counts the records left in
 * the splits it holds ({@link PendingRecords}), and the records of the splits not yet assigned go
 * to one reader, the registered reader of lowest index still waiting for splits ({@link
 * UnassignedRecords}), so that the sum over the readers, which the autoscaler takes, is the
 * backlog. One reader rather than shares: a single value, sent to one place when it changes, needs
 * no splitting or rebalancing as readers come and go, and the autoscaler only uses the sum. While a
 * split is on its way to a reader, the sum can miss or double it for a moment. The enumerator's
 * {@code unassignedSplits} metric counts those splits.
 *
 * <p>A reader told there are no more splits gets no event after that: it may have finished, and
 * Flink fails a job over when an event reaches a finished task. The backlog is zero by then.
 *
 * <p>Bounded, the files are listed once and readers learn there is no more once all splits are out.
 * With a discovery interval, the listing repeats and new files are read as they appear.
 */
final class FileEnumerator implements SplitEnumerator<FileSplit, FileEnumeratorState> {
    private final SplitEnumeratorContext<FileSplit> context;
    private final InputFiles files;
    private final Duration discoveryInterval;
    private final Deque<FileSplit> unassigned;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final Set<Integer> waitingReaders = new LinkedHashSet<>();

    /** Readers told there are no more splits (until a new attempt registers): told nothing else. */
    private final Set<Integer> toldNoMoreSplits = new HashSet<>();

    private final Counted counted;
    private long nextSeq;
    private boolean listed;

    /** The records left in {@link #unassigned}, kept as splits come and go. */
    private long unassignedRecords;

    /** Read by Flink's metric thread. */
    private volatile long unassignedSplits;

    /** The reader that reports {@link #unassignedRecords}, or {@link #NO_READER}. */
    private int backlogReader = NO_READER;

    /** What {@link #backlogReader} was last told, or -1 for nothing yet. */
    private long reportedRecords = -1;

    private static final int NO_READER = -1;

    /** Told the records counted so far, after every listing, and when the enumerator closes. */
    interface Counted {
        void counted(long records);

        void closed();
    }

    /**
     * @param discoveryInterval how often to look for new files, or null for a bounded input
     */
    FileEnumerator(
            SplitEnumeratorContext<FileSplit> context,
            InputFiles files,
            @Nullable Duration discoveryInterval,
            FileEnumeratorState state,
            Counted counted) {
        this.context = context;
        this.counted = counted;
        this.files = files;
        this.discoveryInterval = discoveryInterval;
        this.unassigned = new ArrayDeque<>(state.unassigned());
        this.seen.addAll(state.seen());
        this.nextSeq = state.nextSeq();
        this.listed = state.listed();
        for (FileSplit split : unassigned) {
            unassignedRecords += split.remaining();
        }
        this.unassignedSplits = unassigned.size();
    }

    @Override
    public void start() {
        context.metricGroup().setUnassignedSplitsGauge(() -> unassignedSplits);
        if (discoveryInterval != null) {
            long millis = discoveryInterval.toMillis();
            context.callAsync(this::discover, this::addDiscovered, 0, millis);
        } else if (!listed) {
            context.callAsync(this::discover, this::addDiscovered);
        } else {
            counted.counted(nextSeq);
        }
    }

    /** A newly found file and its splits, numbered from 0. */
    private record Found(String path, List<FileSplit> splits) {}

    /**
     * Runs on a worker thread: it only reads {@link #seen}, which is concurrent. The files are
     * counted here and nowhere else, each file and each byte range on its own thread (up to the
     * machine's cores), since the ordered sink needs every split's first sequence number.
     */
    private List<Found> discover() throws IOException {
        List<Path> newFiles = new ArrayList<>();
        for (Path file : files.list()) {
            if (!seen.contains(file.toString())) {
                newFiles.add(file);
            }
        }
        List<List<FileSplit>> splits =
                files.splitsOf(newFiles, Runtime.getRuntime().availableProcessors());
        List<Found> found = new ArrayList<>(newFiles.size());
        for (int i = 0; i < newFiles.size(); i++) {
            found.add(new Found(newFiles.get(i).toString(), splits.get(i)));
        }
        return found;
    }

    private void addDiscovered(List<Found> found, Throwable error) {
        if (error != null) {
            throw new IllegalStateException("Cannot list the input files " + files.spec(), error);
        }
        for (Found file : found) {
            // Listings run one after another on the worker thread, but each result is added here
            // later: a listing can start before the one before it was added, and find its files.
            if (!seen.add(file.path())) {
                continue;
            }
            long records = 0;
            for (FileSplit split : file.splits()) {
                unassigned.add(split.shifted(nextSeq, 0));
                records += split.records();
            }
            nextSeq += records;
            unassignedRecords += records;
        }
        listed = true;
        counted.counted(nextSeq);
        assignWaiting();
        reportBacklog();
    }

    @Override
    public void handleSplitRequest(int subtaskId, @Nullable String requesterHostname) {
        waitingReaders.add(subtaskId);
        assignWaiting();
    }

    /**
     * Tells the reader of lowest index that still waits for splits the records left in the
     * unassigned splits when they changed, or when that reader changed (and then the one before it
     * that it reports them no more, unless it may have finished).
     */
    private void reportBacklog() {
        unassignedSplits = unassigned.size();
        int reader =
                context.registeredReaders().keySet().stream()
                        .filter(id -> !toldNoMoreSplits.contains(id))
                        .mapToInt(Integer::intValue)
                        .min()
                        .orElse(NO_READER);
        if (reader != backlogReader) {
            if (backlogReader != NO_READER
                    && context.registeredReaders().containsKey(backlogReader)
                    && !toldNoMoreSplits.contains(backlogReader)) {
                context.sendEventToSourceReader(backlogReader, new UnassignedRecords(0));
            }
            backlogReader = reader;
            reportedRecords = -1;
        }
        if (backlogReader != NO_READER && reportedRecords != unassignedRecords) {
            context.sendEventToSourceReader(
                    backlogReader, new UnassignedRecords(unassignedRecords));
            reportedRecords = unassignedRecords;
        }
    }

    private void assignWaiting() {
        for (Integer reader : new ArrayList<>(waitingReaders)) {
            if (!context.registeredReaders().containsKey(reader)) {
                waitingReaders.remove(reader);
                continue;
            }
            FileSplit next = unassigned.poll();
            if (next != null) {
                unassignedRecords -= next.remaining();
                // Told before the split is sent: where the two messages arrive in order, the sum
                // misses the split for a moment rather than counting it twice.
                reportBacklog();
                context.assignSplit(next, reader);
                waitingReaders.remove(reader);
            } else if (listed && discoveryInterval == null) {
                context.signalNoMoreSplits(reader);
                toldNoMoreSplits.add(reader);
                waitingReaders.remove(reader);
            } else {
                return;
            }
        }
    }

    @Override
    public void addSplitsBack(List<FileSplit> splits, int subtaskId) {
        // A failed reader's splits come back at their last checkpointed position.
        for (int i = splits.size() - 1; i >= 0; i--) {
            unassigned.addFirst(splits.get(i));
            unassignedRecords += splits.get(i).remaining();
        }
        assignWaiting();
        reportBacklog();
    }

    @Override
    public void addReader(int subtaskId) {
        // A new attempt: it waits for splits again.
        toldNoMoreSplits.remove(subtaskId);
        if (subtaskId == backlogReader) {
            // A new attempt of the reporting reader starts without the records it was told.
            backlogReader = NO_READER;
        }
        reportBacklog();
    }

    @Override
    public FileEnumeratorState snapshotState(long checkpointId) {
        return new FileEnumeratorState(
                new ArrayList<>(unassigned), new TreeSet<>(seen), nextSeq, listed);
    }

    @Override
    public void close() {
        counted.closed();
    }
}
