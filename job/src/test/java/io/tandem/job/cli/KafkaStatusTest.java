package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.MetricConfig;
import org.apache.flink.metrics.SimpleCounter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class KafkaStatusTest {
    @Test
    void rendersLagDocumentsRateAndDeadLetters() {
        assertEquals(
                "Kafka status: lag 1200 records, 4800 documents out, 950 docs/s, 35 dead letters",
                KafkaStatus.render(OptionalLong.of(1200), 4800, 949.6, 35));
        assertEquals(
                "Kafka status: lag unknown, 0 documents out, 0 docs/s, 0 dead letters",
                KafkaStatus.render(OptionalLong.empty(), 0, 0, 0));
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void theReporterFeedsTheRunItIsConfiguredForAndCountersOfEndedTasksStayCounted()
            throws Exception {
        Configuration cluster = new Configuration();
        LocalMetrics metrics = LocalMetrics.register("run-test", cluster);
        assertEquals(
                LocalMetrics.ReporterFactory.class.getName(),
                cluster.toMap().get("metrics.reporter.tandem-status.factory.class"));
        MetricConfig config = new MetricConfig();
        config.setProperty("run", "run-test");
        LocalMetrics.Reporter reporter = new LocalMetrics.Reporter();
        reporter.open(config);
        SimpleCounter sent = new SimpleCounter();
        SimpleCounter deadLetters = new SimpleCounter();
        Gauge<Long> lag = () -> 42L;
        reporter.notifyOfAddedMetric(sent, "numRecordsSend", null);
        reporter.notifyOfAddedMetric(deadLetters, "tandemDeadLetters", null);
        reporter.notifyOfAddedMetric(new SimpleCounter(), "tandemDeadLettersParse", null);
        reporter.notifyOfAddedMetric(lag, "pendingRecords", null);
        sent.inc(10);
        deadLetters.inc(2);
        assertEquals(OptionalLong.of(42), metrics.lag());

        reporter.notifyOfRemovedMetric(sent, "numRecordsSend", null);
        reporter.notifyOfRemovedMetric(lag, "pendingRecords", null);
        SimpleCounter restarted = new SimpleCounter();
        reporter.notifyOfAddedMetric(restarted, "numRecordsSend", null);
        restarted.inc(5);
        assertEquals(15, metrics.recordsSent(), "the ended task's 10 and the new task's 5");
        assertEquals(2, metrics.deadLetters(), "per-stage counters are not counted twice");
        assertEquals(OptionalLong.empty(), metrics.lag(), "no source left to measure lag");

        List<String> lines = new CopyOnWriteArrayList<>();
        KafkaStatus status = new KafkaStatus(metrics, lines::add, Duration.ofMillis(5));
        while (lines.isEmpty()) {
            Thread.sleep(5);
        }
        status.close();
        assertTrue(lines.size() >= 2, lines.toString());
        assertTrue(
                lines.get(0)
                        .matches(
                                "Kafka status: lag unknown, 15 documents out, \\d+ docs/s,"
                                        + " 2 dead letters"),
                lines.get(0));
        assertEquals(
                "Kafka run ended: 15 documents out, 2 dead letters", lines.get(lines.size() - 1));
        assertTrue(
                Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals("tandem-kafka-status")));
        reporter.close();
        metrics.release();
    }
}
