package io.tandem.job.cli;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Documents done / total, documents per second, dead letters and ETA, redrawn in place on one
 * console line; until the total is known (a file source counts its records as the job starts),
 * documents done without it. Runs on its own daemon thread and stops in {@link #close()}.
 */
final class ProgressDisplay implements AutoCloseable {
    private final AtomicLong done;
    private final AtomicLong deadLetters;
    private final LongSupplier total;
    private final PrintStream out;
    private final long startNanos = System.nanoTime();
    private final Thread thread;
    private volatile boolean running = true;

    ProgressDisplay(
            AtomicLong done,
            AtomicLong deadLetters,
            LongSupplier total,
            PrintStream out,
            Duration interval) {
        this.done = done;
        this.deadLetters = deadLetters;
        this.total = total;
        this.out = out;
        this.thread =
                new Thread(
                        () -> {
                            while (running) {
                                draw();
                                try {
                                    Thread.sleep(interval.toMillis());
                                } catch (InterruptedException e) {
                                    return;
                                }
                            }
                        },
                        "tandem-progress");
        thread.setDaemon(true);
        thread.start();
    }

    private void draw() {
        out.print(
                "\r"
                        + render(
                                done.get(),
                                deadLetters.get(),
                                total.getAsLong(),
                                (System.nanoTime() - startNanos) / 1e9)
                        + "   ");
        out.flush();
    }

    /**
     * @param total the documents of the input, or negative while unknown
     */
    static String render(long done, long deadLetters, long total, double seconds) {
        double rate = seconds > 0 ? done / seconds : 0;
        if (total < 0) {
            return String.format(
                    Locale.ROOT,
                    "%d documents  %.0f docs/s  %d dead letters",
                    done,
                    rate,
                    deadLetters);
        }
        String eta =
                rate > 0 && total > done ? formatDuration((long) ((total - done) / rate)) : "--:--";
        double percent = total > 0 ? 100.0 * done / total : 0;
        return String.format(
                Locale.ROOT,
                "%d/%d documents (%.1f%%)  %.0f docs/s  %d dead letters  ETA %s",
                done,
                total,
                percent,
                rate,
                deadLetters,
                eta);
    }

    static String formatDuration(long seconds) {
        return seconds >= 3600
                ? String.format(
                        Locale.ROOT,
                        "%d:%02d:%02d",
                        seconds / 3600,
                        (seconds / 60) % 60,
                        seconds % 60)
                : String.format(Locale.ROOT, "%d:%02d", seconds / 60, seconds % 60);
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
        draw();
        out.println();
    }
}
