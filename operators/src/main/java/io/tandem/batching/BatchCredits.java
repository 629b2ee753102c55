package io.tandem.batching;

import io.tandem.records.PendingDocs;
import java.time.Duration;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * The cap on batches in flight for one producer subtask: the batcher takes a credit before it emits
 * a batch, the join gives it back when the batch's outputs arrive. Both run in the same slot and
 * JVM (a co-location group guarantees it), so the credits live in a per-JVM registry keyed by job,
 * model stage, producer subtask and attempt, and are dropped when both sides have closed. Each
 * stage of a pipeline with several models has its own batcher, join and credits.
 *
 * <p>The batcher also says which link (inference subtask) each batch went to, so that the batches
 * in flight can be counted per link; the cap itself stays per producer.
 *
 * <p>A returned credit puts the batcher's action into the batcher's mailbox: it sends a batch that
 * waited for the credit, and wakes a batcher that yields to its mailbox until it can.
 *
 * <p>The same entry carries each batch's documents from the batcher to the join: the batcher hands
 * a batch's {@link PendingDocs} over here, then sends only its handle over the documents edge, and
 * the join takes them when the handle arrives. So the documents are never serialized between the
 * two. An entry, with any documents it still holds, goes with its attempt: when both sides have
 * closed (on success, failure or cancellation alike), or when a later attempt of the same producer
 * registers; documents handed over after the join closed are dropped at once.
 */
public final class BatchCredits {
    /** Guarded by itself; waiters for a batcher's registration wait on it too. */
    private static final Map<Key, BatchCredits> REGISTRY = new HashMap<>();

    /** Which operator holds a side of the credits. */
    public enum Side {
        BATCHER,
        JOIN
    }

    /** One producer subtask attempt of one model stage (0 for the first) of one job. */
    record Key(String job, int stage, int producer, int attempt) {
        @Override
        public String toString() {
            return job + "/stage " + stage + "/" + producer + "/" + attempt;
        }
    }

    private final Key key;
    private final AtomicInteger available;
    private final AtomicInteger allocationFailures = new AtomicInteger();
    private final int capacity;
    private final Map<Long, Integer> linkOfBatch = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> inFlightByLink = new ConcurrentHashMap<>();
    private final Map<Long, PendingDocs> handedOver = new ConcurrentHashMap<>();
    // Guarded by REGISTRY.
    private final EnumSet<Side> joined = EnumSet.noneOf(Side.class);
    private final EnumSet<Side> left = EnumSet.noneOf(Side.class);
    private volatile MailboxExecutor waiter;
    private volatile ThrowingRunnable<? extends Exception> onRelease;

    private BatchCredits(Key key, int capacity) {
        this.key = key;
        this.capacity = capacity;
        this.available = new AtomicInteger(capacity);
    }

    /**
     * The batcher's side of the first stage's credits of the subtask {@code context} belongs to.
     */
    public static BatchCredits forBatcher(RuntimeContext context, int capacity) {
        return forBatcher(context, 0, capacity);
    }

    /** The batcher's side of model stage {@code stage}'s credits of the subtask {@code context}. */
    public static BatchCredits forBatcher(RuntimeContext context, int stage, int capacity) {
        return join(keyOf(context, stage), capacity, Side.BATCHER);
    }

    /**
     * The join's side of model stage {@code stage}'s credits of the producer subtask {@code
     * context} belongs to, once the batcher of the same stage, subtask index and attempt has
     * registered them in this JVM.
     *
     * @throws TimeoutException when no such batcher registered within {@code batcherWait}: it runs
     *     in another JVM, where credits the join gives back would never reach it
     */
    public static BatchCredits forJoin(
            RuntimeContext context, int stage, int capacity, Duration batcherWait)
            throws InterruptedException, TimeoutException {
        return awaitBatcherThenJoin(keyOf(context, stage), capacity, batcherWait);
    }

    private static Key keyOf(RuntimeContext context, int stage) {
        var task = context.getTaskInfo();
        return key(
                context.getJobInfo().getJobId().toString(),
                stage,
                task.getIndexOfThisSubtask(),
                task.getAttemptNumber());
    }

    static Key key(String jobId, int producer, int attempt) {
        return key(jobId, 0, producer, attempt);
    }

    static Key key(String jobId, int stage, int producer, int attempt) {
        return new Key(jobId, stage, producer, attempt);
    }

    /**
     * The shared credits for {@code key}, created with {@code capacity} by whichever side comes
     * first. Entries of earlier attempts of the same producer are dropped: a restarted subtask
     * never meets them again, and a side that never opened would otherwise keep them forever.
     */
    static BatchCredits join(Key key, int capacity, Side side) {
        if (capacity < 1) {
            throw new IllegalArgumentException("Credit capacity must be >= 1, got " + capacity);
        }
        synchronized (REGISTRY) {
            REGISTRY.values()
                    .removeIf(
                            other -> {
                                Key old = other.key;
                                boolean earlier =
                                        old.job().equals(key.job())
                                                && old.stage() == key.stage()
                                                && old.producer() == key.producer()
                                                && old.attempt() < key.attempt();
                                if (earlier) {
                                    other.handedOver.clear();
                                }
                                return earlier;
                            });
            BatchCredits credits =
                    REGISTRY.computeIfAbsent(key, k -> new BatchCredits(k, capacity));
            if (credits.capacity != capacity) {
                throw new IllegalStateException(
                        "Credits "
                                + key
                                + " exist with capacity "
                                + credits.capacity
                                + ", asked for "
                                + capacity);
            }
            if (!credits.joined.add(side)) {
                throw new IllegalStateException(
                        "Credits " + key + " already have a " + side + " side");
            }
            REGISTRY.notifyAll();
            return credits;
        }
    }

    static BatchCredits awaitBatcherThenJoin(Key key, int capacity, Duration batcherWait)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + batcherWait.toNanos();
        synchronized (REGISTRY) {
            while (true) {
                BatchCredits credits = REGISTRY.get(key);
                if (credits != null && credits.joined.contains(Side.BATCHER)) {
                    return join(key, capacity, Side.JOIN);
                }
                long leftNanos = deadline - System.nanoTime();
                if (leftNanos <= 0) {
                    throw new TimeoutException(
                            "no batcher registered credits " + key + " in " + batcherWait);
                }
                TimeUnit.NANOSECONDS.timedWait(REGISTRY, leftNanos);
            }
        }
    }

    /**
     * Called by each side in close(); the entry goes once both sides have left, not with the first:
     * a batcher that finishes before its join opened must not take the credits it holds with it.
     */
    public void leave(Side side) {
        synchronized (REGISTRY) {
            left.add(side);
            if (side == Side.JOIN) {
                // Nobody takes them any more: the attempt ends, its source replays them.
                handedOver.clear();
            }
            if (left.containsAll(EnumSet.allOf(Side.class)) && REGISTRY.get(key) == this) {
                REGISTRY.remove(key);
                handedOver.clear();
            }
        }
    }

    static int registered() {
        synchronized (REGISTRY) {
            return REGISTRY.size();
        }
    }

    /**
     * The entries of job {@code jobId} in this JVM's registry (each holding credits and any
     * documents handed over but not yet taken): none once every batcher and join of the job has
     * closed.
     */
    public static int entriesOfJob(String jobId) {
        synchronized (REGISTRY) {
            return (int) REGISTRY.keySet().stream().filter(k -> k.job().equals(jobId)).count();
        }
    }

    /**
     * The batcher hands batch {@code docs.seq()}'s documents to the join, before it sends their
     * handle. Called from the batcher's task thread.
     */
    public void handOver(PendingDocs docs) {
        synchronized (REGISTRY) {
            if (left.contains(Side.JOIN) || REGISTRY.get(key) != this) {
                return; // the join has closed, or a later attempt replaced this one
            }
            if (handedOver.putIfAbsent(docs.seq(), docs) != null) {
                throw new IllegalStateException(
                        "Documents of batch " + docs.seq() + " handed over twice in " + key);
            }
        }
    }

    /**
     * The join takes the documents of batch {@code seq}, whose handle it received.
     *
     * @throws IllegalStateException when they were not handed over in this JVM: the handle came
     *     from a batcher elsewhere, or of another attempt, and the documents would be lost
     */
    public PendingDocs takeHandedOver(long seq) {
        PendingDocs docs = handedOver.remove(seq);
        if (docs == null) {
            throw new IllegalStateException(
                    "The documents of batch "
                            + seq
                            + " were not handed over in "
                            + key
                            + " in this JVM (batches waiting there: "
                            + handedOver.keySet()
                            + "): the batcher and the join of one producer must run in the same"
                            + " TaskManager and attempt");
        }
        return docs;
    }

    /** Batches whose documents were handed over and not yet taken by the join. */
    public int batchesHandedOver() {
        return handedOver.size();
    }

    /**
     * Registers what runs in the batcher's mailbox whenever a credit comes back ({@code null}s
     * unregister it).
     */
    public void onRelease(MailboxExecutor mailbox, ThrowingRunnable<? extends Exception> action) {
        this.onRelease = action;
        this.waiter = mailbox;
    }

    public boolean tryAcquire() {
        int current;
        do {
            current = available.get();
            if (current == 0) {
                return false;
            }
        } while (!available.compareAndSet(current, current - 1));
        return true;
    }

    /**
     * The batcher sent batch {@code seq}, on a credit it took, to inference subtask {@code link}.
     */
    public void sent(long seq, int link) {
        linkOfBatch.put(seq, link);
        inFlightTo(link).incrementAndGet();
    }

    /** The outputs of batch {@code seq} came back: its credit and its link are free again. */
    public void release(long seq) {
        Integer link = linkOfBatch.remove(seq);
        if (link != null) {
            inFlightTo(link).decrementAndGet();
        }
        release();
    }

    /** Gives a credit back without naming its batch (a batch whose link was never recorded). */
    void release() {
        if (available.incrementAndGet() > capacity) {
            available.decrementAndGet();
            throw new IllegalStateException("Credit returned twice for " + key);
        }
        MailboxExecutor mailbox = waiter;
        ThrowingRunnable<? extends Exception> action = onRelease;
        if (mailbox != null && action != null) {
            try {
                mailbox.execute(action, "batch credit returned");
            } catch (RejectedExecutionException ignored) {
                // The batcher has finished; nobody waits any more.
            }
        }
    }

    /**
     * The join saw batches of this producer that did not fit in memory at the inference subtask:
     * the batcher makes its next batches smaller.
     */
    public void reportAllocationFailures(int count) {
        if (count > 0) {
            allocationFailures.addAndGet(count);
        }
    }

    /** Allocation failures reported since the last call. */
    public int takeAllocationFailures() {
        return allocationFailures.getAndSet(0);
    }

    public int available() {
        return available.get();
    }

    public int inFlight() {
        return capacity - available.get();
    }

    /** Batches sent to inference subtask {@code link} whose outputs have not come back. */
    public int inFlightOn(int link) {
        return inFlightTo(link).get();
    }

    private AtomicInteger inFlightTo(int link) {
        return inFlightByLink.computeIfAbsent(link, l -> new AtomicInteger());
    }

    public int capacity() {
        return capacity;
    }
}
