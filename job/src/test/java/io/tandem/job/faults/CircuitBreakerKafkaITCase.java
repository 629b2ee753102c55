package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.CircuitBreaker;
import io.tandem.batching.FaultToleranceOptions;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.job.kafka.KafkaBrokerExtension;
import io.tandem.job.kafka.KafkaIo;
import io.tandem.job.kafka.KafkaOptions;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import io.tandem.sample.SampleDoc;
import io.tandem.tensor.TensorMap;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The circuit breaker in Kafka mode, on a real broker with exactly-once delivery: a model that
 * starts failing every document mid-stream gets at most {@code floor(failure-ratio ×
 * min-documents)} dead letters committed per subtask before the breaker trips (the window alone
 * would let {@code failure-ratio × window} by), and the job restarted from its last checkpoint with
 * the model fixed processes the rest: every document ends exactly once, as an output or as one of
 * those few dead letters. The bound holds over Flink's restarts of a job whose model stays broken.
 */
class CircuitBreakerKafkaITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

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

    private static final int CPU_WORKERS = 2;
    private static final int HEALTHY_PER_PARTITION = 1000;
    private static final int FAILING_PER_PARTITION = 600;
    private static final double FAILURE_RATIO = 0.5;
    private static final int WINDOW = 1000;
    private static final int MIN_DOCUMENTS = 40;
    private static final int RESTARTS = 10;

    /**
     * The documented bound, {@code floor(failure-ratio × min-documents)} per subtask: each subtask
     * reads one partition.
     */
    private static final int MOST_DEAD_LETTERS_PER_PARTITION =
            (int) Math.floor(FAILURE_RATIO * MIN_DOCUMENTS);

    @TempDir Path dir;

    /**
     * A model whose every forward pass takes at least {@code pauseMillis} more: on a fast machine
     * the failing documents would otherwise all pass between two checkpoints.
     */
    static final class PacedModel extends ForwardingModelComponent<TokenClassifierFeatures> {
        private static final long serialVersionUID = 1L;
        private final long pauseMillis;

        PacedModel(ModelComponent<TokenClassifierFeatures> delegate, long pauseMillis) {
            super(delegate);
            this.pauseMillis = pauseMillis;
        }

        @Override
        public ForwardRunner openForward(ForwardContext context) throws Exception {
            ForwardRunner runner = delegate.openForward(context);
            return new ForwardRunner() {
                @Override
                public TensorMap forward(TensorMap batch) throws Exception {
                    Thread.sleep(pauseMillis);
                    return runner.forward(batch);
                }

                @Override
                public void terminate() {
                    runner.terminate();
                }

                @Override
                public void close() throws Exception {
                    runner.close();
                }
            };
        }
    }

    /** The model breaks where the marked documents begin, in each partition. */
    private static ModelComponent<TokenClassifierFeatures> breakingModel() {
        return new PacedModel(
                new FaultInjectingModel(FaultInjectingModel.Fault.THROW_ON_MARKER), 10);
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {1, 0})
    void aModelThatStartsFailingCommitsAtMostTheDocumentedDeadLettersAndTheFixedOneTheRestOnce(
            int gpuWorkers) throws Exception {
        String in = KAFKA.createTopic("in", CPU_WORKERS);
        String out = KAFKA.createTopic("out", CPU_WORKERS);
        Set<String> ids = produce(in, HEALTHY_PER_PARTITION, FAILING_PER_PARTITION);
        Path checkpoints = dir.resolve("checkpoints");

        JobClient broken = start(in, out, breakingModel(), gpuWorkers, checkpoints, null, 0, 16);
        ExecutionException failure =
                assertThrows(
                        ExecutionException.class,
                        () -> broken.getJobExecutionResult().get(5, TimeUnit.MINUTES));
        var tripped =
                ExceptionUtils.findThrowable(
                        failure, CircuitBreaker.ModelStageFailingException.class);
        assertTrue(tripped.isPresent(), ExceptionUtils.stringifyException(failure));

        Map<String, Integer> outputsBeforeTrip = idCounts(out);
        Map<String, Integer> deadLettersBeforeTrip = idCounts(out + "-dlq");
        Map<Integer, Integer> byPartitionBeforeTrip = deadLettersByInputPartition(out + "-dlq");
        System.out.printf(
                "CircuitBreakerKafkaITCase, %d inference subtasks: %d documents (%d failing);"
                        + " committed before the trip: %d outputs, %d dead letters (by input"
                        + " partition %s, at most %d each); %s%n",
                gpuWorkers,
                ids.size(),
                CPU_WORKERS * FAILING_PER_PARTITION,
                outputsBeforeTrip.size(),
                deadLettersBeforeTrip.size(),
                byPartitionBeforeTrip,
                MOST_DEAD_LETTERS_PER_PARTITION,
                tripped.get().getMessage());
        assertTrue(
                outputsBeforeTrip.size() > 0,
                "checkpoints completed before the trip and committed outputs");
        byPartitionBeforeTrip.forEach(
                (partition, n) ->
                        assertTrue(
                                n <= MOST_DEAD_LETTERS_PER_PARTITION,
                                n + " dead letters of partition " + partition + " committed"));

        // The model fixed, the job restarts from its last checkpoint. It reads on (a bounded Kafka
        // source restored from a checkpoint never finishes: FLINK-31006) until every document
        // ended, then is cancelled.
        JobClient fixed =
                start(
                        in,
                        out,
                        OnnxTokenClassifier.tiny(),
                        gpuWorkers,
                        checkpoints,
                        lastCheckpoint(checkpoints, broken.getJobID()),
                        0,
                        16);
        try {
            awaitEnded(out, ids.size(), fixed);
        } finally {
            fixed.cancel().get(1, TimeUnit.MINUTES);
        }

        Map<String, Integer> outputs = idCounts(out);
        Map<String, Integer> deadLetters = idCounts(out + "-dlq");
        System.out.printf(
                "CircuitBreakerKafkaITCase, %d inference subtasks: after the restart %d outputs,"
                        + " %d dead letters%n",
                gpuWorkers, outputs.size(), deadLetters.size());
        assertTrue(
                deadLetters.keySet().containsAll(deadLettersBeforeTrip.keySet()),
                "dead letters stay committed");
        deadLettersByInputPartition(out + "-dlq")
                .forEach(
                        (partition, n) ->
                                assertTrue(
                                        n <= MOST_DEAD_LETTERS_PER_PARTITION,
                                        n + " dead letters of partition " + partition));
        Set<String> ended = new HashSet<>(outputs.keySet());
        ended.addAll(deadLetters.keySet());
        assertEquals(ids, ended, "every document ends as an output or a dead letter");
        assertEquals(
                ids.size(),
                outputs.size() + deadLetters.size(),
                "no document is both an output and a dead letter");
        outputs.forEach((id, n) -> assertEquals(1, n, id + " output " + n + " times"));
        deadLetters.forEach((id, n) -> assertEquals(1, n, id + " dead-lettered " + n + " times"));
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {1, 0})
    void aModelThatStaysBrokenThroughRestartsStillCommitsAtMostTheDocumentedDeadLetters(
            int gpuWorkers) throws Exception {
        String in = KAFKA.createTopic("in", CPU_WORKERS);
        String out = KAFKA.createTopic("out", CPU_WORKERS);
        produce(in, 200, FAILING_PER_PARTITION);

        // Each restarted attempt resumes from the breaker's window in the checkpoint it restored.
        // Chunks of 4 documents make checkpoints likely to fall between a few failures: an attempt
        // that started with an empty window would commit some each time.
        JobClient broken =
                start(
                        in,
                        out,
                        breakingModel(),
                        gpuWorkers,
                        dir.resolve("checkpoints"),
                        null,
                        RESTARTS,
                        4);
        ExecutionException failure =
                assertThrows(
                        ExecutionException.class,
                        () -> broken.getJobExecutionResult().get(5, TimeUnit.MINUTES));
        assertTrue(
                ExceptionUtils.findThrowable(
                                failure, CircuitBreaker.ModelStageFailingException.class)
                        .isPresent(),
                ExceptionUtils.stringifyException(failure));

        Map<Integer, Integer> byPartition = deadLettersByInputPartition(out + "-dlq");
        System.out.printf(
                "CircuitBreakerKafkaITCase, %d inference subtasks, %d restarts: %d outputs, dead"
                        + " letters by input partition %s (at most %d each)%n",
                gpuWorkers,
                RESTARTS,
                idCounts(out).size(),
                byPartition,
                MOST_DEAD_LETTERS_PER_PARTITION);
        byPartition.forEach(
                (partition, n) ->
                        assertTrue(
                                n <= MOST_DEAD_LETTERS_PER_PARTITION,
                                n + " dead letters of partition " + partition + " committed"));
    }

    /** Per partition, {@code healthy} sample notes, then {@code failing} marked ones; all ids. */
    private static Set<String> produce(String topic, int healthy, int failing) throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        Set<String> ids = new HashSet<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("lz4")) {
            for (int i = 0; i < CPU_WORKERS * (healthy + failing); i++) {
                int partition = i % CPU_WORKERS;
                boolean marked = i / CPU_WORKERS >= healthy;
                SampleDoc sample = corpus.generate(i);
                ObjectNode line = JSON.createObjectNode();
                line.put("id", sample.id());
                line.put(
                        "text",
                        marked ? sample.text() + " " + FaultInjectingModel.MARKER : sample.text());
                ids.add(sample.id());
                producer.send(
                        new ProducerRecord<>(
                                topic,
                                partition,
                                sample.id().getBytes(StandardCharsets.UTF_8),
                                line.toString().getBytes(StandardCharsets.UTF_8)));
            }
        }
        return ids;
    }

    private static JobClient start(
            String in,
            String out,
            ModelComponent<?> model,
            int gpuWorkers,
            Path checkpoints,
            Path restoreFrom,
            int restarts,
            int docsPerBatch)
            throws Exception {
        boolean restored = restoreFrom != null;
        Configuration options = new Configuration();
        options.set(KafkaOptions.KAFKA_BOOTSTRAP, KAFKA.bootstrapServers());
        options.set(KafkaOptions.INPUT_TOPIC, in);
        options.set(KafkaOptions.OUTPUT_TOPIC, out);
        options.set(KafkaOptions.GROUP_ID, "g-" + out);
        options.set(KafkaOptions.STARTING_OFFSETS, KafkaOptions.StartingOffsets.EARLIEST);
        options.set(KafkaOptions.STOP_AT_LATEST_OFFSETS, !restored);
        options.set(BatchingOptions.BATCH_SIZE, docsPerBatch + " docs");
        // A barrier waits for the batcher's chunk: chunks of one batch let it fall between batches.
        options.set(BatchingOptions.CHUNK_SIZE, docsPerBatch);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        options.set(FaultToleranceOptions.BREAKER_FAILURE_RATIO, FAILURE_RATIO);
        options.set(FaultToleranceOptions.BREAKER_WINDOW, WINDOW);
        options.set(FaultToleranceOptions.BREAKER_MIN_DOCUMENTS, MIN_DOCUMENTS);
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(200));
        cluster.set(
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        cluster.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, checkpoints.toUri().toString());
        if (restarts > 0) {
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, restarts);
            cluster.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY,
                    Duration.ofMillis(200));
        } else {
            cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        }
        // State is matched to operators by uid: refuse the job if any operator lacks one.
        cluster.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        if (restored) {
            cluster.set(StateRecoveryOptions.SAVEPOINT_PATH, restoreFrom.toUri().toString());
        }
        KafkaIo kafka = new KafkaIo(options);
        kafka.checkTransactionTimeout(cluster);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        new TandemJob(
                        options,
                        Pipeline.builder().tokenizer().model(model).build(),
                        CPU_WORKERS,
                        gpuWorkers,
                        List.of())
                .attachKafka(env, kafka.source(), kafka.sink());
        return env.executeAsync("circuit breaker, " + gpuWorkers + " inference subtasks");
    }

    /** Waits until outputs and dead letters of {@code documents} documents are committed. */
    private static void awaitEnded(String out, int documents, JobClient job) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        int ended = 0;
        while (System.nanoTime() < deadline) {
            if (job.getJobExecutionResult().isDone()) {
                job.getJobExecutionResult().get(); // rethrows the failure
                throw new AssertionError("the restarted job ended after " + ended + " documents");
            }
            ended = idCounts(out).size() + idCounts(out + "-dlq").size();
            if (ended >= documents) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError(ended + " of " + documents + " documents ended in 3 minutes");
    }

    /** The retained checkpoint of {@code job} with the highest number. */
    private static Path lastCheckpoint(Path checkpoints, JobID job) throws Exception {
        try (Stream<Path> chk = Files.list(checkpoints.resolve(job.toHexString()))) {
            return chk.filter(p -> p.getFileName().toString().startsWith("chk-"))
                    .filter(p -> Files.exists(p.resolve("_metadata")))
                    .max(
                            (a, b) ->
                                    Long.compare(
                                            Long.parseLong(a.getFileName().toString().substring(4)),
                                            Long.parseLong(
                                                    b.getFileName().toString().substring(4))))
                    .orElseThrow(() -> new AssertionError("no checkpoint of " + job + " retained"));
        }
    }

    private static Map<Integer, Integer> deadLettersByInputPartition(String topic)
            throws Exception {
        Map<Integer, Integer> counts = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.readCommitted(topic)) {
            int partition = JSON.readTree(record.value()).get("source").get("partition").asInt();
            counts.merge(partition, 1, Integer::sum);
        }
        return counts;
    }

    private static Map<String, Integer> idCounts(String topic) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.readCommitted(topic)) {
            counts.merge(JSON.readTree(record.value()).get("id").asText(), 1, Integer::sum);
        }
        return counts;
    }
}
