package io.tandem.job.cli;

import java.util.HashSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.reporter.MetricReporter;
import org.apache.flink.metrics.reporter.MetricReporterFactory;

/**
 * The few metrics a local run's status line shows, read live from the MiniCluster in this JVM: a
 * metric reporter that the run registers ({@link #register}) hands each new metric of interest to
 * the run's instance, found by a key in the reporter's configuration.
 *
 * <p>Counters of finished or failed tasks keep counting in the totals: Flink removes a task's
 * metrics after the task ended, and a restarted task starts new ones at zero.
 */
public final class LocalMetrics {
    /** The consumer lag of a FLIP-33 source (the Kafka source: sum of its partitions' lag). */
    static final String PENDING_RECORDS = "pendingRecords";

    /** Records a sink writer wrote (documents and dead letters alike). */
    static final String RECORDS_SENT = "numRecordsSend";

    /** Dead letters, counted once each by the operator that wrote them. */
    static final String DEAD_LETTERS = "tandemDeadLetters";

    private static final String REPORTER = "tandem-status";
    private static final String RUN_KEY = "run";
    private static final Map<String, LocalMetrics> RUNS = new ConcurrentHashMap<>();

    private final String key;
    private final Set<Gauge<?>> pendingRecords = new HashSet<>();
    private final Set<Counter> recordsSent = new HashSet<>();
    private final Set<Counter> deadLetters = new HashSet<>();
    private long retiredRecordsSent;
    private long retiredDeadLetters;

    private LocalMetrics(String key) {
        this.key = key;
    }

    /**
     * The metrics of the local cluster that {@code configuration} will start: it gets this
     * reporter. {@link #release()} when the run is over.
     */
    static LocalMetrics register(String key, Configuration configuration) {
        LocalMetrics metrics = new LocalMetrics(key);
        RUNS.put(key, metrics);
        String prefix = "metrics.reporter." + REPORTER + ".";
        configuration.setString(prefix + "factory.class", ReporterFactory.class.getName());
        configuration.setString(prefix + RUN_KEY, key);
        return metrics;
    }

    void release() {
        RUNS.remove(key);
    }

    /** The sources' records not yet read; empty until a source has measured its lag. */
    synchronized OptionalLong lag() {
        long lag = 0;
        boolean known = false;
        for (Gauge<?> gauge : pendingRecords) {
            if (gauge.getValue() instanceof Number pending && pending.longValue() >= 0) {
                lag += pending.longValue();
                known = true;
            }
        }
        return known ? OptionalLong.of(lag) : OptionalLong.empty();
    }

    /** Records written by the sinks so far: the documents done, dead letters included. */
    synchronized long recordsSent() {
        return retiredRecordsSent + recordsSent.stream().mapToLong(Counter::getCount).sum();
    }

    synchronized long deadLetters() {
        return retiredDeadLetters + deadLetters.stream().mapToLong(Counter::getCount).sum();
    }

    private synchronized void added(Metric metric, String name) {
        if (name.equals(PENDING_RECORDS) && metric instanceof Gauge<?> gauge) {
            pendingRecords.add(gauge);
        } else if (name.equals(RECORDS_SENT) && metric instanceof Counter counter) {
            recordsSent.add(counter);
        } else if (name.equals(DEAD_LETTERS) && metric instanceof Counter counter) {
            deadLetters.add(counter);
        }
    }

    private synchronized void removed(Metric metric) {
        pendingRecords.remove(metric);
        if (recordsSent.remove(metric)) {
            retiredRecordsSent += ((Counter) metric).getCount();
        }
        if (deadLetters.remove(metric)) {
            retiredDeadLetters += ((Counter) metric).getCount();
        }
    }

    /** Feeds the run named in its configuration; Flink creates it with the cluster. */
    public static final class Reporter implements MetricReporter {
        private volatile LocalMetrics run;

        @Override
        public void open(MetricConfig config) {
            run = RUNS.get(config.getString(RUN_KEY, ""));
        }

        @Override
        public void close() {
            run = null;
        }

        @Override
        public void notifyOfAddedMetric(Metric metric, String name, MetricGroup group) {
            LocalMetrics target = run;
            if (target != null) {
                target.added(metric, name);
            }
        }

        @Override
        public void notifyOfRemovedMetric(Metric metric, String name, MetricGroup group) {
            LocalMetrics target = run;
            if (target != null) {
                target.removed(metric);
            }
        }
    }

    /** Found by Flink through {@code META-INF/services}, named in the reporter's configuration. */
    public static final class ReporterFactory implements MetricReporterFactory {
        @Override
        public MetricReporter createMetricReporter(Properties properties) {
            return new Reporter();
        }
    }
}
