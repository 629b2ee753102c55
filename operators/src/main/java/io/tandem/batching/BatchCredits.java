package io.tandem.batching;

import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.functions.RuntimeContext;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.util.function.ThrowingRunnable;

/**
 * The cap on batches in flight for one producer subtask: the batcher takes a credit before it emits
 * a batch, the join gives it back when the batch's outputs arrive. Both run in the same slot and
 * JVM (a co-location group guarantees it), so the credits live in a per-JVM registry keyed by job,
 * producer subtask and attempt, and are dropped when both sides have closed.
 *
 * <p>The batcher also says which link (inference subtask) each batch went to, so that the batches
 * in flight can be counted per link; the cap itself stays per producer.
 *
 * <p>A returned credit puts the batcher's action into the batcher's mailbox: it sends a batch that
 * waited for the credit, and wakes a batcher that yields to its mailbox until it can.
 */
public final class BatchCredits {
    private static final Map<String, BatchCredits> REGISTRY = new HashMap<>();

    private final String key;
    private final AtomicInteger available;
    private final AtomicInteger allocationFailures = new AtomicInteger();
    private final int capacity;
    private final Map<Long, Integer> linkOfBatch = new ConcurrentHashMap<>();
    private final Map<Integer, AtomicInteger> inFlightByLink = new ConcurrentHashMap<>();
    private int users;
    private volatile MailboxExecutor waiter;
    private volatile ThrowingRunnable<? extends Exception> onRelease;

    private BatchCredits(String key, int capacity) {
        this.key = key;
        this.capacity = capacity;
        this.available = new AtomicInteger(capacity);
    }

    /**
     * The credits of the producer subtask that {@code context} belongs to: the batcher and the join
     * of one subtask index and attempt of one job get the same instance.
     */
    public static BatchCredits forSubtask(RuntimeContext context, int capacity) {
        var task = context.getTaskInfo();
        return join(
                key(
                        context.getJobInfo().getJobId().toString(),
                        task.getIndexOfThisSubtask(),
                        task.getAttemptNumber()),
                capacity);
    }

    static String key(String jobId, int producer, int attempt) {
        return jobId + "/" + producer + "/" + attempt;
    }

    /**
     * The shared credits for {@code key}, created with {@code capacity} by whichever side comes
     * first.
     */
    static BatchCredits join(String key, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("Credit capacity must be >= 1, got " + capacity);
        }
        synchronized (REGISTRY) {
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
            credits.users++;
            return credits;
        }
    }

    /** Called by each side in close(); the last one removes the entry. */
    public void leave() {
        synchronized (REGISTRY) {
            if (--users == 0) {
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
