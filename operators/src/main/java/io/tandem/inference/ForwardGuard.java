package io.tandem.inference;

import io.tandem.tensor.TensorMap;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Runs one subtask's forward passes under a time limit, and stops the one in progress when the task
 * is cancelled. A native forward pass ignores thread interrupts, so without this a hung pass could
 * be ended only by Flink's cancellation watchdog killing the whole TaskManager; both paths use
 * {@link ForwardRunner#terminate}, which ONNX Runtime honours between kernels.
 *
 * <p>One timer thread per subtask, stopped by {@link #close}. Forward passes run on the subtask's
 * own thread; {@link #cancel} may come from any thread.
 */
public final class ForwardGuard implements AutoCloseable {
    private final ForwardRunner runner;
    private final String model;
    private final Duration timeout;
    private final ScheduledExecutorService timer;
    private final Object lock = new Object();
    private long started;
    private long running = -1;
    private boolean timedOut;
    private volatile boolean cancelled;

    public ForwardGuard(ForwardRunner runner, String model, Duration timeout, String threadName) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException(
                    "tandem.forward-timeout must be positive, got " + timeout);
        }
        this.runner = runner;
        this.model = model;
        this.timeout = timeout;
        this.timer =
                Executors.newSingleThreadScheduledExecutor(
                        task -> {
                            Thread thread = new Thread(task, threadName);
                            thread.setDaemon(true);
                            return thread;
                        });
    }

    /**
     * The runner's forward pass.
     *
     * @throws ForwardTimeoutException when it ran past the time limit and was terminated
     */
    public TensorMap forward(TensorMap batch) throws Exception {
        long mine;
        synchronized (lock) {
            mine = ++started;
            running = mine;
            timedOut = false;
        }
        ScheduledFuture<?> alarm =
                timer.schedule(() -> expire(mine), timeout.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return runner.forward(batch);
        } catch (Exception e) {
            synchronized (lock) {
                if (timedOut && !cancelled) {
                    throw new ForwardTimeoutException(model, timeout, e);
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

    /** Stops the forward pass in progress, if any: the task is being cancelled. */
    public void cancel() {
        cancelled = true;
        runner.terminate();
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
