package io.tandem.job.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.cli.TandemCli;
import io.tandem.sample.SampleCorpus;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code run} in Kafka mode on its own local MiniCluster (no test cluster here, so the command
 * starts its own, as it does for a user), off a terminal: the status line read from the cluster's
 * metrics in this JVM.
 */
class KafkaStatusITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @Test
    void aLocalRunOffATerminalLogsConsumerLagDocumentsPerSecondAndDeadLetters() throws Exception {
        String in = KAFKA.createTopic("in", 2);
        String out = KAFKA.createTopic("out", 2);
        int documents = 4000;
        int malformed = 0;
        SampleCorpus corpus = new SampleCorpus();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("lz4")) {
            for (int i = 0; i < documents; i++) {
                String value = corpus.generate(i).toJsonLine();
                if (i % 500 == 7) {
                    value = "{\"id\": \"broken-" + i + "\", \"text\": ";
                    malformed++;
                }
                producer.send(new ProducerRecord<>(in, value.getBytes(StandardCharsets.UTF_8)));
            }
        }
        StringWriter logs = new StringWriter();
        // Surefire's JVM has no console: the run logs its status as a service would.
        int exit =
                LogCapture.withLogsIn(
                        logs,
                        () ->
                                TandemCli.execute(
                                        "run",
                                        "--kafka-bootstrap",
                                        KAFKA.bootstrapServers(),
                                        "--input-topic",
                                        in,
                                        "--output-topic",
                                        out,
                                        "--starting-offsets",
                                        "earliest",
                                        "--stop-at-latest-offsets",
                                        "--checkpoint-interval",
                                        "500ms",
                                        "--cpu-workers",
                                        "1",
                                        "--gpu-workers",
                                        "0",
                                        "-D",
                                        "tandem.kafka.status-interval=100ms"));
        assertEquals(0, exit, logs.toString());
        List<String> statusLines =
                logs.toString().lines().filter(l -> l.contains("Kafka status: ")).toList();
        assertFalse(statusLines.isEmpty(), "no status line logged: " + logs);
        Pattern line =
                Pattern.compile(
                        "Kafka status: lag (unknown|(\\d+) records), (\\d+) documents out,"
                                + " (\\d+) docs/s, (\\d+) dead letters");
        long previousOut = 0;
        boolean lagMeasured = false;
        for (String status : statusLines) {
            Matcher m = line.matcher(status);
            assertTrue(m.find(), status);
            if (m.group(2) != null) {
                lagMeasured = true;
                assertTrue(Long.parseLong(m.group(2)) <= documents, status);
            }
            long documentsOut = Long.parseLong(m.group(3));
            assertTrue(
                    documentsOut >= previousOut && documentsOut <= documents,
                    "documents out only grow, up to the input: " + statusLines);
            previousOut = documentsOut;
            assertTrue(Long.parseLong(m.group(5)) <= malformed, status);
        }
        assertTrue(lagMeasured, "the Kafka source's lag was never read: " + statusLines);
        assertTrue(
                logs.toString()
                        .contains(
                                "Kafka run ended: "
                                        + documents
                                        + " documents out, "
                                        + malformed
                                        + " dead letters"),
                "the totals at the end: " + statusLines + "\n" + logs);
        assertEquals(documents - malformed, KAFKA.readCommitted(out).size());
    }
}
