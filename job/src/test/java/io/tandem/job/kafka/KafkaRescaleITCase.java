package io.tandem.job.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.batching.BatchCredits;
import io.tandem.batching.BatchingOptions;
import io.tandem.dispatch.DispatchSchedule;
import io.tandem.job.TandemJob;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Kafka job rescaled through savepoints: started with 2 CPU and 1 inference subtasks, stopped
 * with a savepoint, restored with 3 and 2, stopped again, restored with 1 and 1. The committed
 * output holds every document exactly once, and each stopped job leaves no batch credits or
 * handed-over documents in the JVM. Flink is told not to generate operator ids, so the job is
 * refused unless every operator has a uid (state is matched to operators by uid).
 */
class KafkaRescaleITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int DOCUMENTS_PER_ROUND = 1500;
    private static final Duration PHASE_TIMEOUT = Duration.ofSeconds(90);

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

    @Test
    void rescaledThroughSavepointsEveryDocumentIsCommittedExactlyOnce() throws Exception {
        String in = KAFKA.createTopic("in", 4);
        String out = KAFKA.createTopic("out", 4);
        Set<String> ids = new LinkedHashSet<>(produce(in, 0, DOCUMENTS_PER_ROUND));
        String savepoints = dir.resolve("savepoints").toUri().toString();

        StringWriter logs = new StringWriter();
        try (LogCapture ignored = new LogCapture(logs)) {
            JobClient first = start(in, out, 2, 1, null);
            awaitCommitted(out, DOCUMENTS_PER_ROUND / 3, first);
            String savepoint1 = stop(first, savepoints);
            int afterFirst = idCounts(out).size();

            ids.addAll(produce(in, DOCUMENTS_PER_ROUND, DOCUMENTS_PER_ROUND));
            JobClient second = start(in, out, 3, 2, savepoint1);
            awaitCommitted(out, afterFirst + DOCUMENTS_PER_ROUND / 2, second);
            String savepoint2 = stop(second, savepoints);
            int afterSecond = idCounts(out).size();

            ids.addAll(produce(in, 2 * DOCUMENTS_PER_ROUND, DOCUMENTS_PER_ROUND));
            JobClient third = start(in, out, 1, 1, savepoint2);
            awaitCommitted(out, ids.size(), third);
            stop(third, savepoints);

            Map<String, Integer> counts = idCounts(out);
            System.out.printf(
                    "Rescale: %d documents; committed after P=2,C=1: %d; after P=3,C=2: %d;"
                            + " after P=1,C=1: %d distinct, %d records%n",
                    ids.size(),
                    afterFirst,
                    afterSecond,
                    counts.size(),
                    counts.values().stream().mapToInt(Integer::intValue).sum());
            assertTrue(0 < afterFirst && afterFirst < afterSecond, afterFirst + " " + afterSecond);
            assertEquals(ids, counts.keySet(), "every document, no more, no fewer");
            counts.forEach((id, n) -> assertEquals(1, n, id + " seen " + n + " times"));
        }
        for (int[] pc : new int[][] {{2, 1}, {3, 2}, {1, 1}}) {
            String line =
                    "Dispatch schedule of "
                            + pc[0]
                            + " CPU and "
                            + pc[1]
                            + " inference subtasks: "
                            + DispatchSchedule.of(pc[0], pc[1]).summary();
            assertTrue(logs.toString().contains(line), "log lacks: " + line);
        }
        logs.toString()
                .lines()
                .filter(l -> l.contains("Dispatch schedule of"))
                .forEach(System.out::println);
    }

    private JobClient start(String in, String out, int cpu, int gpu, String savepoint)
            throws Exception {
        Configuration options = new Configuration();
        options.set(KafkaOptions.KAFKA_BOOTSTRAP, KAFKA.bootstrapServers());
        options.set(KafkaOptions.INPUT_TOPIC, in);
        options.set(KafkaOptions.OUTPUT_TOPIC, out);
        options.set(KafkaOptions.GROUP_ID, "g-" + out);
        options.set(KafkaOptions.STARTING_OFFSETS, KafkaOptions.StartingOffsets.EARLIEST);
        options.set(BatchingOptions.BATCH_SIZE, "4000 padded_words");
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        Configuration cluster = new Configuration();
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(300));
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        // State is matched to operators by uid: refuse the job if any operator lacks one.
        cluster.set(PipelineOptions.AUTO_GENERATE_UIDS, false);
        if (savepoint != null) {
            cluster.set(StateRecoveryOptions.SAVEPOINT_PATH, savepoint);
        }
        KafkaIo kafka = new KafkaIo(options);
        kafka.checkTransactionTimeout(cluster);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        new TandemJob(options, Pipeline.defaultPipeline(), cpu, gpu, List.of())
                .attachKafka(env, kafka.source(), kafka.sink());
        return env.executeAsync("rescale P=" + cpu + " C=" + gpu);
    }

    private static String stop(JobClient job, String savepoints) throws Exception {
        String path =
                job.stopWithSavepoint(false, savepoints, SavepointFormatType.CANONICAL)
                        .get(PHASE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        job.getJobExecutionResult().get(PHASE_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        assertEquals(
                0,
                BatchCredits.entriesOfJob(job.getJobID().toString()),
                "credits or handed-over documents left in the JVM after the savepoint");
        return path;
    }

    private static void awaitCommitted(String topic, int atLeast, JobClient job) throws Exception {
        long deadline = System.nanoTime() + PHASE_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            if (job.getJobExecutionResult().isDone()) {
                job.getJobExecutionResult().get(); // rethrows the failure
                throw new AssertionError("job ended before committing " + atLeast);
            }
            if (idCounts(topic).size() >= atLeast) {
                return;
            }
            Thread.sleep(500);
        }
        throw new AssertionError("fewer than " + atLeast + " documents committed to " + topic);
    }

    private static List<String> produce(String topic, int first, int count) throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        List<String> ids = new java.util.ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = KAFKA.producer("lz4")) {
            for (int i = first; i < first + count; i++) {
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

    private static Map<String, Integer> idCounts(String topic) throws Exception {
        Map<String, Integer> counts = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : KAFKA.readCommitted(topic)) {
            counts.merge(JSON.readTree(record.value()).get("id").asText(), 1, Integer::sum);
        }
        return counts;
    }

    /** Copies INFO log lines into a writer while open. */
    private static final class LogCapture implements AutoCloseable {
        private final LoggerContext context = (LoggerContext) LogManager.getContext(false);
        private final WriterAppender appender;
        private final Level previous;

        LogCapture(StringWriter target) {
            var config = context.getConfiguration();
            appender =
                    WriterAppender.newBuilder()
                            .setName("rescale-capture")
                            .setTarget(target)
                            .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build())
                            .build();
            appender.start();
            previous = config.getRootLogger().getLevel();
            config.addAppender(appender);
            config.getRootLogger().addAppender(appender, Level.INFO, null);
            config.getRootLogger().setLevel(Level.INFO);
            context.updateLoggers();
        }

        @Override
        public void close() {
            var config = context.getConfiguration();
            config.getRootLogger().removeAppender(appender.getName());
            config.getRootLogger().setLevel(previous);
            context.updateLoggers();
            appender.stop();
        }
    }
}
