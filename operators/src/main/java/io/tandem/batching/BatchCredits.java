package io.tandem.batching;

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
            REGISTRY.keySet()
                    .removeIf(
                            other ->
                                    other.job().equals(key.job())
                                            && other.stage() == key.stage()
                                            && other.producer() == key.producer()
                                            && other.attempt() < key.attempt());
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
            if (left.containsAll(EnumSet.allOf(Side.class)) && REGISTRY.get(key) == this) {
                REGISTRY.remove(key);
            }
        }
    }

    static int registered() {
        synchronized (REGISTRY) {
            return REGISTRY.size();
        }
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
