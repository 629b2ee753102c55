package io.tandem.deploy.kafka;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.deploy.cluster.ClusterProcess;
import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.Placement;
import io.tandem.deploy.cluster.PluginJar;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.cluster.TestClusterConfiguration;
import io.tandem.deploy.gpu.TestGpuDriverFactory;
import io.tandem.job.kafka.KafkaBrokerExtension;
import io.tandem.sample.SampleCorpus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;

/**
 * The Kafka job of the cluster failure tests and what they share: a cluster configured from
 * deploy/standalone/*.yaml whose TaskManagers declare GPUs through the test driver, the input
 * (sample notes with a few bad records), the command line (split layout: P CPU subtasks and one
 * inference subtask, exactly-once delivery), and the checks of where subtasks run.
 */
public final class KafkaClusterJob {
    /** Documents each cluster test streams through the job. */
    public static final int RECORDS = 20_000;

    /** Inputs committed before the kill: output exists, and most of the stream is still ahead. */
    public static final int COMMITTED_BEFORE_KILL = 2_000;

    /** Until the cluster runs the job. */
    public static final Duration START_TIMEOUT = Duration.ofMinutes(3);

    /** Until every input is committed. */
    public static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);

    public static final String ENTRY_CLASS = "io.tandem.job.cli.TandemCli";

    /** P: the CPU task set's parallelism, hence the producers (batcher and join subtasks). */
    public static final int CPU_WORKERS = 2;

    /** Parts of the vertex names: the source/parse/batcher chain and the join/sink chain. */
    public static final String BATCHER = "batcher";

    public static final String JOIN = "join";

    /** Every this many input records, one is bad (alternately malformed and without text). */
    private static final int BAD_RECORD_EVERY = 5_000;

    private KafkaClusterJob() {}

    /**
     * deploy/standalone/config.yaml and gpu-taskmanager.yaml, sized for a small machine, two GPUs
     * per TaskManager from the test driver, and failures detected within seconds.
     */
    public static Map<String, Object> clusterConfiguration() throws IOException {
        // P CPU slots and one inference slot fit in either TaskManager plus one.
        Map<String, Object> configuration = TestClusterConfiguration.withSlots(2);
        // A killed TaskManager is declared lost after two failed heartbeat RPCs, seconds instead
        // of the default 50 s timeout.
        configuration.put("heartbeat.interval", "2000");
        configuration.put("heartbeat.timeout", "20000");
        // A loaded machine may take longer than the default 10 s to answer a task deployment.
        configuration.put("pekko.ask.timeout", "60 s");
        // Until a replacement TaskManager registers, the job's slot requests fail at once
        // (NoResourceAvailableException): enough attempts to outlast that.
        configuration.put("restart-strategy.type", "fixed-delay");
        configuration.put("restart-strategy.fixed-delay.attempts", "100");
        configuration.put("restart-strategy.fixed-delay.delay", "2 s");
        return configuration;
    }

    /** The settings of a cluster of {@code jobManagers} and two TaskManagers in {@code workDir}. */
    public static StandaloneCluster.Settings clusterSettings(
            Path workDir, Map<String, Object> configuration, int jobManagers) throws IOException {
        Path gpuPlugin =
                PluginJar.write(
                        workDir.resolve("test-gpu-driver.jar"),
                        ExternalResourceDriverFactory.class,
                        TestGpuDriverFactory.class);
        String classpath =
                Files.readString(
                                Path.of(System.getProperty("tandem.clusterClasspathFile")),
                                StandardCharsets.UTF_8)
                        .trim();
        return new StandaloneCluster.Settings(
                Files.createDirectories(workDir.resolve("cluster")),
                classpath,
                configuration,
                2,
                Map.of("ORT_DISABLE_TELEMETRY", "1"),
                List.of("ORT_DISABLE_TELEMETRY"),
                Map.of("test-gpu", gpuPlugin),
                Duration.ofSeconds(120),
                List.of(),
                jobManagers);
    }

    /** The jar clusters get: linux-x86_64 natives only, no Flink runtime. */
    public static Path clusterJobJar() {
        return Path.of(System.getProperty("tandem.clusterJobJar"));
    }

    /**
     * Writes {@code count} records to {@code topic}: sample notes keyed by id and, every {@value
     * #BAD_RECORD_EVERY}, a bad record that must end as a dead letter.
     *
     * @return the position of every record ({@link CommittedResults#position})
     */
    public static Set<String> writeInput(KafkaBrokerExtension kafka, String topic, int count)
            throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> producer = kafka.producer("lz4")) {
            for (int i = 0; i < count; i++) {
                String id;
                String value;
                if (i % BAD_RECORD_EVERY == BAD_RECORD_EVERY / 2) {
                    id = "bad-" + i;
                    value =
                            (i / BAD_RECORD_EVERY) % 2 == 0
                                    ? "{\"id\": \"" + id + "\", \"text\": "
                                    : "{\"id\": \"" + id + "\"}";
                } else {
                    var doc = corpus.generate(i);
                    id = doc.id();
                    value = doc.toJsonLine();
                }
                sent.add(
                        producer.send(
                                new ProducerRecord<>(
                                        topic,
                                        id.getBytes(StandardCharsets.UTF_8),
                                        value.getBytes(StandardCharsets.UTF_8))));
            }
        }
        Set<String> positions = new HashSet<>();
        for (Future<RecordMetadata> send : sent) {
            RecordMetadata metadata = send.get();
            positions.add(CommittedResults.position(metadata.partition(), metadata.offset()));
        }
        return positions;
    }

    /** How many bad records {@link #writeInput} writes among {@code count}. */
    public static int badRecords(int count) {
        return (count + BAD_RECORD_EVERY / 2) / BAD_RECORD_EVERY;
    }

    /**
     * {@code tandem run} in Kafka mode: the split layout with P = {@value #CPU_WORKERS} and C = 1,
     * exactly-once delivery, a checkpoint (and so a commit) every 2 s.
     */
    public static List<String> runArgs(
            String bootstrap, String inputTopic, String outputTopic, String deadLetterTopic) {
        return TestClusterConfiguration.runWithSmallSlots(
                "run",
                "--kafka-bootstrap",
                bootstrap,
                "--input-topic",
                inputTopic,
                "--output-topic",
                outputTopic,
                "--dlq-topic",
                deadLetterTopic,
                "--group-id",
                "tandem-" + outputTopic,
                "--starting-offsets",
                "earliest",
                "--delivery",
                "exactly-once",
                "--checkpoint-interval",
                "2s",
                "--cpu-workers",
                Integer.toString(CPU_WORKERS),
                "--gpu-workers",
                "1",
                "--max-batch-delay",
                "20ms",
                "--no-progress");
    }

    /** The pid of each TaskManager process by its resource id (its process name). */
    public static Map<String, Long> taskManagerPids(StandaloneCluster cluster) {
        Map<String, Long> pids = new LinkedHashMap<>();
        for (ClusterProcess taskManager : cluster.taskManagers()) {
            pids.put(taskManager.name(), taskManager.pid());
        }
        return pids;
    }

    /**
     * Waits until every subtask of the job runs again, none on {@code lost} (the TaskManagers that
     * are gone), then returns where they run. Asks {@code rest} until it knows the job (a new
     * leader answers 404 while it recovers it).
     */
    public static Placement awaitRunningWithout(
            FlinkRest rest,
            String jobId,
            Set<String> lost,
            StandaloneCluster cluster,
            Duration timeout)
            throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "nothing yet";
        while (System.nanoTime() < deadline) {
            cluster.checkAlive();
            try {
                String state = rest.jobState(jobId);
                Placement placement = Placement.of(rest, jobId, taskManagerPids(cluster));
                boolean running =
                        "RUNNING".equals(state)
                                && !placement.subtasks().isEmpty()
                                && placement.subtasks().stream()
                                        .allMatch(
                                                s ->
                                                        "RUNNING".equals(s.status())
                                                                && !lost.contains(s.taskManager()));
                if (running) {
                    return placement;
                }
                last = "job " + state + "\n" + placement.table();
            } catch (IllegalStateException | IOException notYet) {
                last = notYet.getMessage();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(
                "Job "
                        + jobId
                        + " not running again without "
                        + lost
                        + " after "
                        + timeout
                        + "; last seen: "
                        + last);
    }

    /**
     * Batcher subtask i and join subtask i run in the same TaskManager, for every producer i: the
     * co-location the credits between them rely on.
     */
    public static void assertProducersColocated(Placement placement, String when) {
        assertEquals(CPU_WORKERS, placement.parallelism(BATCHER), when + ":\n" + placement.table());
        assertEquals(CPU_WORKERS, placement.parallelism(JOIN), when + ":\n" + placement.table());
        for (int i = 0; i < CPU_WORKERS; i++) {
            assertEquals(
                    placement.taskManagerOf(BATCHER, i),
                    placement.taskManagerOf(JOIN, i),
                    when + ", batcher " + i + " and join " + i + ":\n" + placement.table());
        }
    }

    /**
     * Waits until {@code count} more checkpoints completed, so that anything the job would still
     * write (a duplicate) has been committed before the test stops it.
     */
    public static void awaitMoreCheckpoints(
            FlinkRest rest, String jobId, int count, StandaloneCluster cluster, Duration timeout)
            throws Exception {
        long target = rest.completedCheckpoints(jobId) + count;
        long deadline = System.nanoTime() + timeout.toNanos();
        while (rest.completedCheckpoints(jobId) < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        count + " more checkpoints did not complete within " + timeout);
            }
            cluster.checkAlive();
            Thread.sleep(250);
        }
    }

    /** Cancels the job (a Kafka job never ends on its own) and waits until it is CANCELED. */
    public static void cancel(FlinkRest rest, String jobId, StandaloneCluster cluster)
            throws Exception {
        rest.cancel(jobId);
        assertEquals(
                "CANCELED",
                rest.awaitTerminalState(jobId, Duration.ofMinutes(2), cluster::checkAlive));
    }

    /** Reads both topics to their end and returns the figures against {@code inputs}. */
    public static CommittedResults.Counts finalCounts(
            KafkaBrokerExtension kafka,
            String outputTopic,
            String deadLetterTopic,
            Set<String> inputs) {
        try (CommittedResults results =
                new CommittedResults(kafka.bootstrapServers(), outputTopic, deadLetterTopic)) {
            results.readToEnd(Duration.ofMinutes(1));
            return results.counts(inputs);
        }
    }

    /** Every input exactly once across outputs and dead letters, and the bad ones dead. */
    public static void assertExactlyOnce(CommittedResults.Counts counts, int badRecords) {
        String all = counts.toString();
        assertEquals(0, counts.duplicates(), all);
        assertEquals(0, counts.missing(), all);
        assertEquals(0, counts.unexpected(), all);
        assertEquals(badRecords, counts.deadLetters(), all);
        assertEquals(counts.inputs(), counts.outputs() + counts.deadLetters(), all);
    }
}
