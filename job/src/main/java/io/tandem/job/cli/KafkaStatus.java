package io.tandem.job.cli;

import java.time.Duration;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.function.Consumer;

/**
 * The status line of a local Kafka run, given every interval on its own daemon thread: consumer
 * lag, documents written, documents per second over the last interval, dead letters. A continuous
 * job has no total to count towards, so this is a line per interval for a log, not a bar.
 */
final class KafkaStatus implements AutoCloseable {
    private final LocalMetrics metrics;
    private final Consumer<String> out;
    private final Thread thread;
    private volatile boolean running = true;
    private long lastWritten;
    private long lastNanos = System.nanoTime();

    KafkaStatus(LocalMetrics metrics, Consumer<String> out, Duration interval) {
        this.metrics = metrics;
        this.out = out;
        this.thread =
                new Thread(
                        () -> {
                            while (running) {
                                try {
                                    Thread.sleep(interval.toMillis());
                                } catch (InterruptedException e) {
                                    return;
                                }
                                out.accept(line());
                            }
                        },
                        "tandem-kafka-status");
        thread.setDaemon(true);
        thread.start();
    }

    private String line() {
        long now = System.nanoTime();
        long written = metrics.recordsSent();
        double seconds = (now - lastNanos) / 1e9;
        double rate = seconds > 0 ? (written - lastWritten) / seconds : 0;
        lastWritten = written;
        lastNanos = now;
        return render(metrics.lag(), written, rate, metrics.deadLetters());
    }

    static String render(OptionalLong lag, long written, double docsPerSecond, long deadLetters) {
        return String.format(
                Locale.ROOT,
                "Kafka status: lag %s, %d documents out, %.0f docs/s, %d dead letters",
                lag.isPresent() ? lag.getAsLong() + " records" : "unknown",
                written,
                docsPerSecond,
                deadLetters);
    }

    /** Stops the thread and gives the totals of the run in a last line. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join();
        out.accept(
                String.format(
                        Locale.ROOT,
                        "Kafka run ended: %d documents out, %d dead letters",
                        metrics.recordsSent(),
                        metrics.deadLetters()));
    }
}
