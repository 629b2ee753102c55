package io.tandem.deploy;

import static io.tandem.deploy.kafka.KafkaClusterJob.COMMITTED_BEFORE_KILL;
import static io.tandem.deploy.kafka.KafkaClusterJob.RECORDS;
import static io.tandem.deploy.kafka.KafkaClusterJob.RUN_TIMEOUT;
import static io.tandem.deploy.kafka.KafkaClusterJob.START_TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.deploy.cluster.ClusterProcess;
import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.Placement;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.kafka.CommittedResults;
import io.tandem.deploy.kafka.KafkaClusterJob;
import io.tandem.job.kafka.KafkaBrokerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Kafka job on a real standalone cluster (a JobManager and two TaskManagers as separate JVMs),
 * reading and writing a real broker with exactly-once delivery, in the split layout whose batcher
 * and join share credits through a per-JVM registry: a TaskManager killed with SIGKILL mid-stream
 * and replaced by a new one loses and duplicates nothing, and after recovery batcher i and join i
 * run in the same TaskManager again. Once with Flink's default placement, once with {@code
 * taskmanager.load-balance.mode: TASKS}.
 */
class KafkaClusterITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir Path dir;

    @ParameterizedTest(name = "taskmanager.load-balance.mode: {0}")
    @ValueSource(strings = {"NONE", "TASKS"})
    void everyDocumentIsCommittedExactlyOnceAfterATaskManagerIsKilledMidStream(
            String loadBalanceMode) throws Exception {
        long started = System.nanoTime();
        String in = KAFKA.createTopic("in", 4);
        String out = KAFKA.createTopic("out", 4);
        String deadLetters = KAFKA.createTopic("dead-letters", 4);
        Set<String> inputs = KafkaClusterJob.writeInput(KAFKA, in, RECORDS);

        Map<String, Object> configuration = KafkaClusterJob.clusterConfiguration();
        configuration.put("taskmanager.load-balance.mode", loadBalanceMode);
        try (StandaloneCluster cluster =
                        StandaloneCluster.start(
                                KafkaClusterJob.clusterSettings(
                                        Files.createDirectories(dir), configuration, 1));
                CommittedResults results =
                        new CommittedResults(KAFKA.bootstrapServers(), out, deadLetters)) {
            FlinkRest rest = cluster.rest();
            String jobId =
                    rest.runJar(
                            rest.uploadJar(KafkaClusterJob.clusterJobJar()),
                            KafkaClusterJob.ENTRY_CLASS,
                            KafkaClusterJob.runArgs(
                                    KAFKA.bootstrapServers(), in, out, deadLetters));
            Placement before =
                    KafkaClusterJob.awaitRunningWithout(
                            rest, jobId, Set.of(), cluster, START_TIMEOUT);
            long runningAfter = secondsSince(started);
            KafkaClusterJob.assertProducersColocated(before, "before the kill");

            results.awaitInputs(COMMITTED_BEFORE_KILL, RUN_TIMEOUT, cluster::checkAlive);
            // All that is committed by now, which must be far from everything.
            results.readToEnd(Duration.ofMinutes(1));
            int committedAtKill = results.inputsOut();
            assertTrue(
                    committedAtKill < RECORDS / 2,
                    "the kill must come mid-stream, but " + committedAtKill + " were committed");
            // The TaskManager of the inference subtask: it holds producers' partners too.
            String victim = before.taskManagerOf("inference", 0);
            ClusterProcess killed =
                    cluster.taskManagers().stream()
                            .filter(tm -> tm.name().equals(victim))
                            .findFirst()
                            .orElseThrow();
            cluster.kill(killed);
            long killedAfter = secondsSince(started);
            ClusterProcess replacement = cluster.startTaskManager();

            Placement after =
                    KafkaClusterJob.awaitRunningWithout(
                            rest, jobId, Set.of(victim), cluster, START_TIMEOUT);
            long recoveredAfter = secondsSince(started);
            System.out.printf(
                    "Kafka job %s, taskmanager.load-balance.mode %s, running after %d s%n"
                            + "Placement before the kill (%d inputs committed):%n%s"
                            + "Killed %s (pid %d) with SIGKILL after %d s, started %s (pid %d);"
                            + " running again after %d s%n"
                            + "Placement after recovery:%n%s",
                    jobId,
                    loadBalanceMode,
                    runningAfter,
                    committedAtKill,
                    before.table(),
                    killed.name(),
                    killed.pid(),
                    killedAfter,
                    replacement.name(),
                    replacement.pid(),
                    recoveredAfter,
                    after.table());
            KafkaClusterJob.assertProducersColocated(after, "after recovery");

            results.awaitInputs(inputs.size(), RUN_TIMEOUT, cluster::checkAlive);
            System.out.printf("Every input committed after %d s%n", secondsSince(started));
            KafkaClusterJob.awaitMoreCheckpoints(rest, jobId, 2, cluster, START_TIMEOUT);
            KafkaClusterJob.cancel(rest, jobId, cluster);
        }

        CommittedResults.Counts counts =
                KafkaClusterJob.finalCounts(KAFKA, out, deadLetters, inputs);
        System.out.printf(
                "After the TaskManager kill (%s): %s; test took %d s%n",
                loadBalanceMode, counts, secondsSince(started));
        KafkaClusterJob.assertExactlyOnce(counts, KafkaClusterJob.badRecords(RECORDS));
    }

    private static long secondsSince(long nanoTime) {
        return Duration.ofNanos(System.nanoTime() - nanoTime).toSeconds();
    }
}
