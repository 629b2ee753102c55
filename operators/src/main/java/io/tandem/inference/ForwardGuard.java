package io.tandem.inference;

import io.tandem.tensor.TensorMap;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * Runs one subtask's forward passes under a time limit, and stops the one in progress when the task
 * is cancelled. A native forward pass ignores thread interrupts, so without this a hung pass could
 * be ended only by Flink's cancellation watchdog killing the whole TaskManager; both paths use
 * {@link ForwardRunner#terminate}, which ONNX Runtime honours between kernels.
 *
 * <p>A pass runs under the full limit ({@code tandem.forward-timeout}), or, when it splits a batch
 * that already ran past it, under a retry limit derived from the healthy passes of this subtask
 * ({@link #retryLimit}): a hung document then costs one full limit and a few short ones, not a full
 * limit per split, which would hold a checkpoint barrier past its timeout.
 *
 * <p>One timer thread per subtask, stopped by {@link #close}. Forward passes run on the subtask's
 * own thread; {@link #cancel} may come from any thread.
 */
public final class ForwardGuard implements AutoCloseable {
    /** A retry may take this many times the p99 of the healthy passes per row, times its rows. */
    static final int RETRY_LIMIT_FACTOR = 10;

    /** The least a retry may take: the p99 of short passes says little about a loaded machine. */
    static final Duration RETRY_LIMIT_FLOOR = Duration.ofSeconds(1);

    /** The healthy passes the p99 is taken over. */
    private static final int HEALTHY_WINDOW = 1000;

    private final ForwardRunner runner;
    private final String model;
    private final Duration timeout;
    private final Duration longestRetry;
    private final ScheduledExecutorService timer;
    private final DescriptiveStatisticsHistogram healthyNanosPerRow =
            new DescriptiveStatisticsHistogram(HEALTHY_WINDOW);
    private final Object lock = new Object();
    private long started;
    private long running = -1;
    private boolean timedOut;
    private volatile boolean cancelled;

    /**
     * @param timeout the limit of a pass ({@code tandem.forward-timeout})
     * @param retryTimeout the most a retry's limit may be ({@code tandem.forward-retry-timeout});
     *     never more than {@code timeout}
     */
    public ForwardGuard(
            ForwardRunner runner,
            String model,
            Duration timeout,
            Duration retryTimeout,
            String threadName) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(
                    "tandem.forward-timeout must be positive, got " + timeout);
        }
        this.runner = runner;
        this.model = model;
        this.timeout = timeout;
        this.longestRetry = longestRetry(timeout, retryTimeout);
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        task -> {
                            Thread thread = new Thread(task, threadName);
                            thread.setDaemon(true);
                            return thread;
                        });
    }

    /**
     * The most a retry's limit may be.
     *
     * @throws IllegalArgumentException when {@code retryTimeout} is not positive
     */
    public static Duration longestRetry(Duration timeout, Duration retryTimeout) {
        if (retryTimeout.isNegative() || retryTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "tandem.forward-retry-timeout must be positive, got " + retryTimeout);
        }
        return retryTimeout.compareTo(timeout) < 0 ? retryTimeout : timeout;
    }

    /**
     * The longest a batch of {@code documents} can take when its passes hang: one pass under the
     * full limit, then each extra attempt its splitting may make ({@link
     * Bisection#extraAttemptBudget}) under the longest retry limit. A checkpoint barrier waits
     * behind the batch that long.
     */
    public static Duration longestBatch(Duration timeout, Duration retryTimeout, int documents) {
        return timeout.plus(
                longestRetry(timeout, retryTimeout)
                        .multipliedBy(Bisection.extraAttemptBudget(documents)));
    }

    /**
     * The start-up check's pass, under the full limit. Not counted as a healthy pass: a session's
     * first pass is much slower than the others.
     *
     * @throws ForwardTimeoutException when it ran past the time limit and was terminated
     */
    public TensorMap forward(TensorMap batch) throws Exception {
        return run(batch, 0, timeout, false);
    }

    /**
     * A pass of {@code rows} rows under the full limit; counted as a healthy pass when it succeeds.
     *
     * @throws ForwardTimeoutException when it ran past the time limit and was terminated
     */
    public TensorMap forward(TensorMap batch, int rows) throws Exception {
        return run(batch, rows, timeout, false);
    }

    /**
     * A pass of {@code rows} rows splitting a batch that ran past the full limit, under {@link
     * #retryLimit}; counted as a healthy pass when it succeeds.
     *
     * @throws ForwardTimeoutException when it ran past the retry limit and was terminated
     */
    public TensorMap retry(TensorMap batch, int rows) throws Exception {
        return run(batch, rows, retryLimit(rows), true);
    }

    /**
     * The limit of a retry of {@code rows} rows: {@value #RETRY_LIMIT_FACTOR} times the p99 time
     * per row of the last healthy passes, at least {@link #RETRY_LIMIT_FLOOR}, at most {@link
     * #longestRetry}; the most until a healthy pass was seen.
     */
    public Duration retryLimit(int rows) {
        if (healthyNanosPerRow.getCount() == 0) {
            return longestRetry;
        }
        double p99 = healthyNanosPerRow.getStatistics().getQuantile(0.99);
        double derived = p99 * RETRY_LIMIT_FACTOR * Math.max(1, rows);
        Duration floor =
                RETRY_LIMIT_FLOOR.compareTo(longestRetry) < 0 ? RETRY_LIMIT_FLOOR : longestRetry;
        if (derived >= longestRetry.toNanos()) {
            return longestRetry;
        }
        Duration limit = Duration.ofNanos((long) derived);
        return limit.compareTo(floor) < 0 ? floor : limit;
    }

    private TensorMap run(TensorMap batch, int rows, Duration limit, boolean retry)
            throws Exception {
        long mine;
        synchronized (lock) {
            // A cancel stands until the task ends: no pass starts after it.
            if (cancelled) {
                throw new CancellationException(
                        "the task is being cancelled: no forward pass of model '"
                                + model
                                + "' starts");
            }
            mine = ++started;
            running = mine;
            timedOut = false;
            // Terminates are sent under this lock only (expire, cancel), and a runner's request
            // stands until this reset. So a terminate sent for an earlier pass is withdrawn here,
            // never later; and one sent for this pass (its alarm, a cancel) comes after this reset,
            // even if before the runner starts the pass, which then stops at its first kernel.
            runner.resetTerminate();
        }
        ScheduledFuture<?> alarm =
                timer.schedule(() -> expire(mine), limit.toNanos(), TimeUnit.NANOSECONDS);
        long start = System.nanoTime();
        try {
            TensorMap outputs = runner.forward(batch);
            if (rows > 0) {
                healthyNanosPerRow.update(Math.max(1, (System.nanoTime() - start) / rows));
            }
            return outputs;
        } catch (Exception e) {
            synchronized (lock) {
                if (timedOut && !cancelled) {
                    throw retry
                            ? ForwardTimeoutException.ofRetry(model, limit, timeout, e)
                            : new ForwardTimeoutException(model, timeout, e);
                }
            }
            throw e;
        } finally {
            alarm.cancel(false);
            synchronized (lock) {
                running = -1;
            }
        }
    }

    private void expire(long forward) {
        synchronized (lock) {
            // The pass this alarm was set for may have ended while the alarm fired.
            if (running == forward) {
                timedOut = true;
                runner.terminate();
            }
        }
    }

    /**
     * Stops the forward pass in progress, if any, and every later one: the task is being cancelled.
     */
    public void cancel() {
        synchronized (lock) {
            cancelled = true;
            runner.terminate();
        }
    }

    /** Whether the task was cancelled: a failure then is no document's fault. */
    public boolean isCancelled() {
        return cancelled;
    }

    /** Stops the timer thread; the runner is its owner's to close. */
    @Override
    public void close() {
        timer.shutdownNow();
    }
}
