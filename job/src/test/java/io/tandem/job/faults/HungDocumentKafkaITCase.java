package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.FaultToleranceOptions;
import io.tandem.inference.ForwardTimeoutException;
import io.tandem.job.TandemJob;
import io.tandem.job.kafka.KafkaBrokerExtension;
import io.tandem.job.kafka.KafkaIo;
import io.tandem.job.kafka.KafkaOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A Kafka job meets a document whose forward pass hangs: the document costs one forward timeout and
 * a few short retries, its dead letter is committed, checkpoints go on completing, and the job
 * never restarts. With a full timeout per split, the barrier would wait (1 + log2 n) timeouts for a
 * batch of n, past this test's checkpoint timeout: the checkpoint would fail and the job restart.
 */
class HungDocumentKafkaITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCS = 256;
    private static final int MARKED = 100;
    private static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(10);

    /**
     * Twice one forward timeout and its 1-second retries (about 15 s for a batch of 32), but less
     * than a full timeout per split of a batch of 8 or more (1 + log2 8 = 4 timeouts, 40 s).
     */
    private static final Duration CHECKPOINT_TIMEOUT = Duration.ofSeconds(30);

    @RegisterExtension
    @Order(1)
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @RegisterExtension
    @Order(2)
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    /** Wall-clock times (epoch milliseconds) of the completed checkpoints. */
    static final Queue<Long> CHECKPOINTS = new ConcurrentLinkedQueue<>();

    /** The highest attempt number any subtask of the watch ran as: above 0 after a restart. */
    static final AtomicInteger HIGHEST_ATTEMPT = new AtomicInteger();

    /** Passes records through; notes its attempt number and each completed checkpoint. */
    static final class TestingCheckpointWatch extends RichMapFunction<RawRecord, RawRecord>
            implements CheckpointListener {
        @Override
        public void open(OpenContext context) {
            HIGHEST_ATTEMPT.accumulateAndGet(
                    getRuntimeContext().getTaskInfo().getAttemptNumber(), Math::max);
        }

        @Override
        public RawRecord map(RawRecord value) {
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.add(System.currentTimeMillis());
        }
    }

    private static String note(int i) {
        ObjectNode line = JSON.createObjectNode();
        line.put("id", "note-" + i);
        String text = "Patient " + i + " takes aspirin twice a day.";
        line.put("text", i == MARKED ? text + " " + FaultInjectingModel.MARKER : text);
        return line.toString();
    }

    @Test
    void aHungDocumentIsDeadLetteredWhileCheckpointsCompleteAndTheJobNeverRestarts()
            throws Exception {
        String in = KAFKA.createTopic("in", 1);
        String out = KAFKA.createTopic("out", 1);
        String dlq = KAFKA.createTopic("dlq", 1);
        Set<String> goodIds = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("none")) {
            for (int i = 0; i < DOCS; i++) {
                if (i != MARKED) {
                    goodIds.add("note-" + i);
                }
                producer.send(
                        new ProducerRecord<>(
                                in,
                                ("note-" + i).getBytes(StandardCharsets.UTF_8),
                                note(i).getBytes(StandardCharsets.UTF_8)));
            }
        }
        Configuration options = new Configuration();
        options.set(KafkaOptions.KAFKA_BOOTSTRAP, KAFKA.bootstrapServers());
        options.set(KafkaOptions.INPUT_TOPIC, in);
        options.set(KafkaOptions.OUTPUT_TOPIC, out);
        options.set(KafkaOptions.DLQ_TOPIC, dlq);
        options.set(KafkaOptions.GROUP_ID, "g-" + out);
        options.set(KafkaOptions.STARTING_OFFSETS, KafkaOptions.StartingOffsets.EARLIEST);
        options.set(KafkaOptions.STOP_AT_LATEST_OFFSETS, true);
        options.set(BatchingOptions.BATCH_SIZE, "32 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 64);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        options.set(FaultToleranceOptions.FORWARD_TIMEOUT, FORWARD_TIMEOUT);
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofSeconds(1));
        cluster.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
        // As in production: a failed checkpoint fails the job, which restarts.
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        cluster.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(200));
        FaultInjectingModel.reset();
        CHECKPOINTS.clear();
        HIGHEST_ATTEMPT.set(0);

        KafkaIo kafka = new KafkaIo(options);
        kafka.checkTransactionTimeout(cluster);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        TandemJob job =
                new TandemJob(
                        options,
                        Pipeline.builder()
                                .tokenizer()
                                .model(
                                        new FaultInjectingModel(
                                                FaultInjectingModel.Fault.HANG_ON_MARKER))
                                .build(),
                        1,
                        1,
                        List.of());
        DataStream<RawRecord> input =
                env.fromSource(kafka.source(), WatermarkStrategy.noWatermarks(), "kafka-input")
                        .setParallelism(1)
                        .map(new TestingCheckpointWatch())
                        .setParallelism(1);
        job.annotate(input, true).sinkTo(kafka.sink()).setParallelism(1);
        JobClient client = env.executeAsync("hung-document");

        assertTrue(
                FaultInjectingModel.hanging.await(120, TimeUnit.SECONDS),
                "a forward pass began to hang");
        long deadLetterCommitted = 0;
        List<ConsumerRecord<byte[], byte[]>> deadLetters = List.of();
        while (deadLetters.isEmpty() && !client.getJobExecutionResult().isDone()) {
            deadLetters = KAFKA.readCommitted(dlq);
            deadLetterCommitted = System.currentTimeMillis();
        }
        client.getJobExecutionResult().get(5, TimeUnit.MINUTES);
        if (deadLetters.isEmpty()) {
            deadLetters = KAFKA.readCommitted(dlq);
            deadLetterCommitted = System.currentTimeMillis();
        }

        assertEquals(0, HIGHEST_ATTEMPT.get(), "no subtask ran a second attempt: no restart");
        assertEquals(1, deadLetters.size(), "one dead letter");
        ConsumerRecord<byte[], byte[]> record = deadLetters.get(0);
        JsonNode letter = JSON.readTree(record.value());
        assertEquals("note-" + MARKED, letter.get("id").asText());
        assertEquals(ForwardTimeoutException.class.getName(), letter.get("error").asText());
        Set<String> outputIds = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> output : KAFKA.readCommitted(out)) {
            assertTrue(
                    outputIds.add(JSON.readTree(output.value()).get("id").asText()),
                    "each document once");
        }
        assertEquals(goodIds, outputIds, "every other document in the output");

        long hang = FaultInjectingModel.firstHangEpochMillis;
        long written = record.timestamp();
        long committed = deadLetterCommitted;
        long checkpointsDuring =
                CHECKPOINTS.stream().filter(t -> t >= hang && t <= committed).count();
        System.out.printf(
                "HungDocumentKafkaITCase: forward timeout %d ms, checkpoint interval 1000 ms,"
                        + " timeout %d ms: %d passes hung; the dead letter was written %d ms and"
                        + " committed (seen by a read_committed consumer) at most %d ms after the"
                        + " hang began; %d checkpoints completed in between, %d in the whole run;"
                        + " restarts: %d%n",
                FORWARD_TIMEOUT.toMillis(),
                CHECKPOINT_TIMEOUT.toMillis(),
                FaultInjectingModel.HANGS.get(),
                written - hang,
                committed - hang,
                checkpointsDuring,
                CHECKPOINTS.size(),
                HIGHEST_ATTEMPT.get());
        assertTrue(checkpointsDuring > 0, "the checkpoint after the hang completed");
    }
}
