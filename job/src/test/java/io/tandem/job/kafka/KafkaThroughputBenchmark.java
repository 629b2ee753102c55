package io.tandem.job.kafka;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.job.cli.TandemCli;
import io.tandem.sample.SampleCorpus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Kafka-to-Kafka figures on the in-JVM broker, run by hand (not a test):
 *
 * <pre>java -cp ... io.tandem.job.kafka.KafkaThroughputBenchmark [docs]</pre>
 *
 * <p>1. Throughput: {@code docs} sample documents already in the input topic, read to the end by
 * the default pipeline (tiny model, in-place inference), exactly once.
 *
 * <p>2. Latency at half that rate with a 50 ms maximum batch delay: the input is produced at the
 * rate while the job runs; for each document, the time from its input record's timestamp to the
 * timestamp of its output record (when the sink wrote it), and to the moment a read_committed
 * consumer saw it (which adds the wait for the checkpoint that commits the transaction).
 */
public final class KafkaThroughputBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();

    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        KafkaBrokerExtension kafka = new KafkaBrokerExtension();
        kafka.beforeAll(null);
        try {
            double rate = throughput(kafka, docs);
            System.out.printf(
                    Locale.ROOT, "throughput: %.0f docs/s Kafka to Kafka (%d docs)%n", rate, docs);
            latency(kafka, rate / 2, (int) Math.min(docs, rate / 2 * 30));
        } finally {
            kafka.afterAll(null);
            System.exit(0);
        }
    }

    private static String[] job(
            KafkaBrokerExtension kafka, String in, String out, boolean bounded, String interval) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--kafka-bootstrap",
                                kafka.bootstrapServers(),
                                "--input-topic",
                                in,
                                "--output-topic",
                                out,
                                "--starting-offsets",
                                "earliest",
                                "--checkpoint-interval",
                                interval,
                                "--max-batch-delay",
                                "50ms",
                                "--no-progress"));
        if (bounded) {
            args.add("--stop-at-latest-offsets");
        }
        return args.toArray(new String[0]);
    }

    private static double throughput(KafkaBrokerExtension kafka, int docs) throws Exception {
        String in = kafka.createTopic("bench-in", 2);
        String out = kafka.createTopic("bench-out", 2);
        SampleCorpus corpus = new SampleCorpus();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer("lz4")) {
            for (int i = 0; i < docs; i++) {
                var doc = corpus.generate(i);
                producer.send(
                        new ProducerRecord<>(
                                in,
                                doc.id().getBytes(StandardCharsets.UTF_8),
                                doc.toJsonLine().getBytes(StandardCharsets.UTF_8)));
            }
        }
        long start = System.nanoTime();
        if (TandemCli.execute(job(kafka, in, out, true, "2s")) != 0) {
            throw new IllegalStateException("throughput run failed");
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int written = kafka.readCommitted(out).size();
        if (written != docs) {
            throw new IllegalStateException("expected " + docs + " outputs, got " + written);
        }
        return docs / seconds;
    }

    private static void latency(KafkaBrokerExtension kafka, double rate, int docs)
            throws Exception {
        String in = kafka.createTopic("lat-in", 2);
        String out = kafka.createTopic("lat-out", 2);
        Map<String, Long> sentAt = new java.util.concurrent.ConcurrentHashMap<>();
        List<Long> written = new ArrayList<>();
        List<Long> visible = new ArrayList<>();
        AtomicBoolean done = new AtomicBoolean();
        Thread jobThread =
                new Thread(
                        () -> TandemCli.execute(job(kafka, in, out, false, "1s")), "latency-job");
        jobThread.setDaemon(true);
        jobThread.start();
        Thread.sleep(8000); // let the job start before the clock runs
        Thread consumerThread =
                new Thread(
                        () -> {
                            Properties props = new Properties();
                            props.put(
                                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers());
                            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
                            props.put(ConsumerConfig.GROUP_ID_CONFIG, "latency-reader");
                            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
                            try (KafkaConsumer<byte[], byte[]> consumer =
                                    new KafkaConsumer<>(
                                            props,
                                            new ByteArrayDeserializer(),
                                            new ByteArrayDeserializer())) {
                                consumer.subscribe(List.of(out));
                                while (!done.get()) {
                                    for (ConsumerRecord<byte[], byte[]> r :
                                            consumer.poll(Duration.ofMillis(50))) {
                                        long now = System.currentTimeMillis();
                                        String id = JSON.readTree(r.value()).get("id").asText();
                                        Long sent = sentAt.get(id);
                                        if (sent != null) {
                                            synchronized (written) {
                                                written.add(r.timestamp() - sent);
                                                visible.add(now - sent);
                                            }
                                        }
                                    }
                                }
                            } catch (Exception e) {
                                throw new IllegalStateException(e);
                            }
                        });
        consumerThread.start();
        SampleCorpus corpus = new SampleCorpus();
        long intervalNanos = (long) (1e9 / rate);
        long next = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer("lz4")) {
            for (int i = 0; i < docs; i++) {
                while (System.nanoTime() < next) {
                    Thread.onSpinWait();
                }
                next += intervalNanos;
                var doc = corpus.generate(i);
                long now = System.currentTimeMillis();
                sentAt.put(doc.id(), now);
                producer.send(
                        new ProducerRecord<>(
                                in,
                                null,
                                now,
                                doc.id().getBytes(StandardCharsets.UTF_8),
                                doc.toJsonLine().getBytes(StandardCharsets.UTF_8)));
            }
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            synchronized (written) {
                if (written.size() >= docs) {
                    break;
                }
            }
            Thread.sleep(100);
        }
        done.set(true);
        consumerThread.join();
        synchronized (written) {
            written.sort(null);
            visible.sort(null);
            System.out.printf(
                    Locale.ROOT,
                    "latency at %.0f docs/s (%d of %d docs seen): written p50 %d ms p99 %d ms; visible to read_committed p50 %d ms p99 %d ms (1 s checkpoints)%n",
                    rate,
                    written.size(),
                    docs,
                    pct(written, 50),
                    pct(written, 99),
                    pct(visible, 50),
                    pct(visible, 99));
        }
    }

    private static long pct(List<Long> sorted, int p) {
        return sorted.isEmpty()
                ? -1
                : sorted.get(
                        Math.min(
                                sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private KafkaThroughputBenchmark() {}
}
