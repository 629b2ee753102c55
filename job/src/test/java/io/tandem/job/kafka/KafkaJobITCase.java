package io.tandem.job.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.batching.BatchingOptions;
import io.tandem.doc.Doc;
import io.tandem.job.TandemJob;
import io.tandem.job.cli.TandemCli;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.parse.ParseOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.RawRecord;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectMiniCluster;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Kafka to Kafka on a real broker and a MiniCluster of two TaskManagers: exactly once through
 * failures, dead letters for poison records without restarts, and no secret in logs.
 */
class KafkaJobITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    @Order(1)
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    @Order(2)
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    static final AtomicInteger CHECKPOINTS = new AtomicInteger();
    static final AtomicBoolean FAILED = new AtomicBoolean();

    /** Counts completed checkpoints and, when asked, fails once after the given number. */
    static final class TestingFailOnce
            implements MapFunction<RawRecord, RawRecord>, CheckpointListener {
        private final int failAfterCheckpoints;

        TestingFailOnce(int failAfterCheckpoints) {
            this.failAfterCheckpoints = failAfterCheckpoints;
        }

        @Override
        public RawRecord map(RawRecord value) {
            if (failAfterCheckpoints > 0
                    && CHECKPOINTS.get() >= failAfterCheckpoints
                    && FAILED.compareAndSet(false, true)) {
                throw new IllegalStateException(
                        "injected failure after " + CHECKPOINTS.get() + " checkpoints");
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    /** A component that throws on documents marked as poison, as a buggy user component would. */
    static final class TestingPoisonComponent implements PipelineComponent {
        @Override
        public String name() {
            return "poison";
        }

        @Override
        public void process(Doc doc) {
            if (doc.text().contains("POISON-THROW")) {
                throw new IllegalStateException("component refused " + doc.id());
            }
        }
    }

    private Configuration options(String in, String out) {
        Configuration options = new Configuration();
        options.set(KafkaOptions.KAFKA_BOOTSTRAP, KAFKA.bootstrapServers());
        options.set(KafkaOptions.INPUT_TOPIC, in);
        options.set(KafkaOptions.OUTPUT_TOPIC, out);
        options.set(KafkaOptions.GROUP_ID, "g-" + out);
        options.set(KafkaOptions.STARTING_OFFSETS, KafkaOptions.StartingOffsets.EARLIEST);
        options.set(KafkaOptions.STOP_AT_LATEST_OFFSETS, true);
        options.set(BatchingOptions.BATCH_SIZE, "4000 padded_words");
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        return options;
    }

    private static Configuration cluster(boolean restarts) {
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));
        if (restarts) {
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 5);
            cluster.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(200));
        } else {
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        return cluster;
    }

    /** Writes {@code count} sample documents (lz4-compressed), keyed by id; returns their ids. */
    private static Set<String> produceSamples(String topic, int count) throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("lz4")) {
            for (int i = 0; i < count; i++) {
                var doc = corpus.generate(i);
                ids.add(doc.id());
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                doc.id().getBytes(StandardCharsets.UTF_8),
                                doc.toJsonLine().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return ids;
    }

    private JobClient start(
            Configuration options,
            Configuration cluster,
            Pipeline pipeline,
            int failAfterCheckpoints)
            throws Exception {
        KafkaIo kafka = new KafkaIo(options);
        kafka.checkTransactionTimeout(cluster);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        TandemJob job = new TandemJob(options, pipeline, 2, 1, List.of());
        DataStream<RawRecord> input =
                env.fromSource(kafka.source(), WatermarkStrategy.noWatermarks(), "kafka-input")
                        .setParallelism(2)
                        .map(new TestingFailOnce(failAfterCheckpoints))
                        .setParallelism(2);
        job.annotate(input, true).sinkTo(kafka.sink()).setParallelism(2);
        return env.executeAsync("kafka-it");
    }

    private static Map<String, Integer> idCounts(List<ConsumerRecord<byte[], byte[]>> records)
            throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String id = JSON.readTree(record.value()).get("id").asText();
            assertEquals(
                    id,
                    new String(record.key(), StandardCharsets.UTF_8),
                    "record key = document id");
            counts.merge(id, 1, Integer::sum);
        }
        return counts;
    }

    @ParameterizedTest(name = "failure after {0} checkpoints")
    @ValueSource(ints = {1, 4})
    void exactlyOnceThroughAnOperatorFailure(int failAfterCheckpoints) throws Exception {
        String in = KAFKA.createTopic("in", 4);
        String out = KAFKA.createTopic("out", 4);
        Set<String> ids = produceSamples(in, 20_000);
        CHECKPOINTS.set(0);
        FAILED.set(false);

        start(options(in, out), cluster(true), Pipeline.defaultPipeline(), failAfterCheckpoints)
                .getJobExecutionResult()
                .get();

        assertTrue(FAILED.get(), "the failure was injected");
        Map<String, Integer> counts = idCounts(KAFKA.readCommitted(out));
        assertEquals(ids, counts.keySet(), "every document, no more, no fewer");
        counts.forEach((id, n) -> assertEquals(1, n, id + " seen " + n + " times"));
        assertTrue(KAFKA.readCommitted(out + "-dlq").isEmpty());
    }

    @Test
    void exactlyOnceThroughAKilledTaskManager(@InjectMiniCluster MiniCluster miniCluster)
            throws Exception {
        String in = KAFKA.createTopic("in", 4);
        String out = KAFKA.createTopic("out", 4);
        Set<String> ids = produceSamples(in, 20_000);
        CHECKPOINTS.set(0);
        FAILED.set(false);

        JobClient job = start(options(in, out), cluster(true), Pipeline.defaultPipeline(), 0);
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (CHECKPOINTS.get() < 2
                && System.nanoTime() < deadline
                && !job.getJobExecutionResult().isDone()) {
            Thread.sleep(20);
        }
        assertFalse(
                job.getJobExecutionResult().isDone(),
                "the job must still run when its TaskManager dies");
        miniCluster.terminateTaskManager(0).get();
        try {
            job.getJobExecutionResult().get();
        } finally {
            miniCluster.startTaskManager();
        }

        Map<String, Integer> counts = idCounts(KAFKA.readCommitted(out));
        assertEquals(ids, counts.keySet(), "every document, no more, no fewer");
        counts.forEach((id, n) -> assertEquals(1, n, id + " seen " + n + " times"));
    }

    @Test
    void poisonRecordsGoToTheDeadLetterTopicOnceEachWithoutRestarts() throws Exception {
        String in = KAFKA.createTopic("in", 2);
        String out = KAFKA.createTopic("out", 2);
        String[] kinds = {"malformed", "no-id", "no-text", "utf8", "too-long", "throws"};
        Map<String, String> poisonReasons = new HashMap<>();
        Set<String> goodIds = new HashSet<>();
        SampleCorpus corpus = new SampleCorpus();
        List<Future<RecordMetadata>> poisonSends = new ArrayList<>();
        List<String> poisonKinds = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("lz4")) {
            for (int i = 0; i < 10_000; i++) {
                byte[] value;
                if (i % 100 == 50) {
                    String kind = kinds[(i / 100) % kinds.length];
                    value =
                            switch (kind) {
                                case "malformed" ->
                                        "{\"id\": \"p\", \"text\": "
                                                .getBytes(StandardCharsets.UTF_8);
                                case "no-id" ->
                                        "{\"text\": \"no id\"}".getBytes(StandardCharsets.UTF_8);
                                case "no-text" ->
                                        "{\"id\": \"p\"}".getBytes(StandardCharsets.UTF_8);
                                case "utf8" -> new byte[] {'{', '"', (byte) 0xC0, '"', '}'};
                                case "too-long" ->
                                        ("{\"id\": \"p\", \"text\": \""
                                                        + "x".repeat(60_000)
                                                        + "\"}")
                                                .getBytes(StandardCharsets.UTF_8);
                                default ->
                                        ("{\"id\": \"poison-"
                                                        + i
                                                        + "\", \"text\": \"POISON-THROW\"}")
                                                .getBytes(StandardCharsets.UTF_8);
                            };
                    poisonKinds.add(kind);
                    poisonSends.add(producer.send(new ProducerRecord<>(in, value)));
                } else {
                    var doc = corpus.generate(i);
                    goodIds.add(doc.id());
                    producer.send(
                            new ProducerRecord<>(
                                    in,
                                    doc.id().getBytes(StandardCharsets.UTF_8),
                                    doc.toJsonLine().getBytes(StandardCharsets.UTF_8)));
                }
            }
        }
        Map<String, String> expectedReason =
                Map.of(
                        "malformed", "malformed JSON",
                        "no-id", "missing field 'id'",
                        "no-text", "missing field 'text'",
                        "utf8", "invalid UTF-8",
                        "too-long", "field 'text' has 60000 characters",
                        "throws", "component refused");
        for (int i = 0; i < poisonSends.size(); i++) {
            RecordMetadata meta = poisonSends.get(i).get();
            poisonReasons.put(
                    meta.partition() + "/" + meta.offset(), expectedReason.get(poisonKinds.get(i)));
        }
        Configuration options = options(in, out);
        options.set(ParseOptions.MAX_TEXT_CHARS, 50_000);
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .normalizer()
                        .add(new TestingPoisonComponent())
                        .model(OnnxTokenClassifier.tiny())
                        .negation("en", "fr")
                        .build();
        CHECKPOINTS.set(0);
        FAILED.set(false);
        // Restarts are disabled: a single failure would fail the job, so finishing means 0
        // restarts.
        start(options, cluster(false), pipeline, 0).getJobExecutionResult().get();

        Map<String, Integer> counts = idCounts(KAFKA.readCommitted(out));
        assertEquals(goodIds, counts.keySet());
        counts.forEach((id, n) -> assertEquals(1, n, id + " seen " + n + " times"));
        Map<String, Integer> deadLetters = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.readCommitted(out + "-dlq")) {
            JsonNode letter = JSON.readTree(record.value());
            JsonNode source = letter.get("source");
            assertEquals(in, source.get("topic").asText());
            String position = source.get("partition").asInt() + "/" + source.get("offset").asLong();
            String reason = letter.get("reason").asText();
            assertTrue(poisonReasons.containsKey(position), "unexpected dead letter " + letter);
            assertTrue(reason.startsWith(poisonReasons.get(position)), position + ": " + reason);
            assertTrue(letter.get("error").isTextual());
            assertTrue(letter.get("raw_bytes").asInt() > 0);
            deadLetters.merge(position, 1, Integer::sum);
        }
        assertEquals(
                poisonReasons.keySet(),
                deadLetters.keySet(),
                "every poison record in the dead-letter topic");
        deadLetters.forEach(
                (position, n) -> assertEquals(1, n, position + " seen " + n + " times"));
    }

    @Test
    void secretsFromThePropertiesFileNeverReachLogsJobNameOrPlan() throws Exception {
        String secret = "TopSecret-" + System.nanoTime();
        String in = KAFKA.createTopic("in", 1);
        String out = KAFKA.createTopic("out", 1);
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("none")) {
            producer.send(
                    new ProducerRecord<>(
                            in,
                            new SampleCorpus()
                                    .generate(0)
                                    .toJsonLine()
                                    .getBytes(StandardCharsets.UTF_8)));
        }
        Path properties = dir.resolve("kafka.properties");
        Files.writeString(
                properties,
                "security.protocol=PLAINTEXT\n"
                        + "ssl.truststore.password="
                        + secret
                        + "\n"
                        + "sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\""
                        + secret
                        + "\";\n");

        StringWriter logs = new StringWriter();
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
                                        "--kafka-properties",
                                        properties.toString(),
                                        "--checkpoint-interval",
                                        "500ms",
                                        "--cpu-workers",
                                        "1",
                                        "--gpu-workers",
                                        "0",
                                        "--no-progress"));
        assertEquals(0, exit);
        assertEquals(1, KAFKA.readCommitted(out).size());
        String logged = logs.toString();
        assertTrue(logged.contains("tandem: " + in + " -> " + out), "the job name is logged");
        assertTrue(
                logged.contains(
                        "properties from file: [sasl.jaas.config, security.protocol, ssl.truststore.password]"),
                "the plan names the properties");
        assertTrue(
                logged.contains("ssl.truststore.password = [hidden]"),
                "Kafka's own config dump is in the capture");
        assertFalse(logged.contains(secret), "a secret was logged");
    }
}
