package io.tandem.deploy;

import static io.tandem.deploy.kafka.KafkaClusterJob.COMMITTED_BEFORE_KILL;
import static io.tandem.deploy.kafka.KafkaClusterJob.RECORDS;
import static io.tandem.deploy.kafka.KafkaClusterJob.RUN_TIMEOUT;
import static io.tandem.deploy.kafka.KafkaClusterJob.START_TIMEOUT;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.deploy.cluster.ClusterProcess;
import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.Placement;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.cluster.TestClusterConfiguration;
import io.tandem.deploy.config.FlinkYaml;
import io.tandem.deploy.kafka.CommittedResults;
import io.tandem.deploy.kafka.KafkaClusterJob;
import io.tandem.job.kafka.KafkaBrokerExtension;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.apache.curator.test.TestingServer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka job on a standalone cluster with ZooKeeper high availability (a real ZooKeeper server
 * in this JVM, two JobManagers and two TaskManagers as separate JVMs, configured with
 * deploy/standalone/zookeeper-ha.yaml): the leading JobManager killed with SIGKILL mid-stream, the
 * standby takes over the job from the latest checkpoint, and the output holds every input exactly
 * once.
 */
class JobManagerFailoverITCase {
    @RegisterExtension static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    @TempDir Path dir;

    @Test
    void standbyJobManagerTakesOverAndEveryDocumentIsCommittedExactlyOnce() throws Exception {
        long started = System.nanoTime();
        String in = KAFKA.createTopic("in", 4);
        String out = KAFKA.createTopic("out", 4);
        String deadLetters = KAFKA.createTopic("dead-letters", 4);
        Set<String> inputs = KafkaClusterJob.writeInput(KAFKA, in, RECORDS);

        try (TestingServer zooKeeper =
                new TestingServer(-1, Files.createDirectories(dir.resolve("zookeeper")).toFile())) {
            Map<String, Object> configuration = KafkaClusterJob.clusterConfiguration();
            Path deployDir = TestClusterConfiguration.deployDir();
            configuration.putAll(
                    FlinkYaml.readConfiguration(deployDir.resolve("standalone/zookeeper-ha.yaml")));
            configuration.put("high-availability.zookeeper.quorum", zooKeeper.getConnectString());
            configuration.put("high-availability.storageDir", dir.resolve("ha").toUri().toString());
            configuration.put(
                    "execution.checkpointing.dir", dir.resolve("checkpoints").toUri().toString());
            configuration.put("high-availability.cluster-id", "/failover");

            try (StandaloneCluster cluster =
                            StandaloneCluster.start(
                                    KafkaClusterJob.clusterSettings(
                                            Files.createDirectories(dir.resolve("run")),
                                            configuration,
                                            2));
                    CommittedResults results =
                            new CommittedResults(KAFKA.bootstrapServers(), out, deadLetters)) {
                URI leader = cluster.leaderRestAddress(null, START_TIMEOUT);
                FlinkRest rest = new FlinkRest(leader);
                String jobId =
                        rest.runJar(
                                rest.uploadJar(KafkaClusterJob.clusterJobJar()),
                                KafkaClusterJob.ENTRY_CLASS,
                                KafkaClusterJob.runArgs(
                                        KAFKA.bootstrapServers(), in, out, deadLetters));
                Placement before =
                        KafkaClusterJob.awaitRunningWithout(
                                rest, jobId, Set.of(), cluster, START_TIMEOUT);
                KafkaClusterJob.assertProducersColocated(before, "before the kill");
                Map<String, Long> taskManagerPids = KafkaClusterJob.taskManagerPids(cluster);

                results.awaitInputs(COMMITTED_BEFORE_KILL, RUN_TIMEOUT, cluster::checkAlive);
                // All that is committed by now, which must be far from everything.
                results.readToEnd(Duration.ofMinutes(1));
                int committedAtKill = results.inputsOut();
                assertTrue(
                        committedAtKill < RECORDS / 2,
                        "the kill must come mid-stream, but "
                                + committedAtKill
                                + " were committed");
                ClusterProcess formerLeader = cluster.jobManagerAt(leader);
                cluster.kill(formerLeader);
                long killedAt = System.nanoTime();

                URI newLeader = cluster.leaderRestAddress(leader, START_TIMEOUT);
                long electedAfter = Duration.ofNanos(System.nanoTime() - killedAt).toSeconds();
                assertNotEquals(leader, newLeader);
                FlinkRest newRest = new FlinkRest(newLeader);
                Placement after =
                        KafkaClusterJob.awaitRunningWithout(
                                newRest, jobId, Set.of(), cluster, START_TIMEOUT);
                long runningAfter = Duration.ofNanos(System.nanoTime() - killedAt).toSeconds();
                System.out.printf(
                        "Kafka job %s on ZooKeeper HA%n"
                                + "Placement before the kill (%d inputs committed; leader %s at"
                                + " %s):%n%s"
                                + "Killed %s (pid %d) with SIGKILL; %s at %s leads after %d s,"
                                + " the job runs again after %d s%n"
                                + "Placement after recovery:%n%s",
                        jobId,
                        committedAtKill,
                        formerLeader.name(),
                        leader,
                        before.table(),
                        formerLeader.name(),
                        formerLeader.pid(),
                        cluster.jobManagerAt(newLeader).name(),
                        newLeader,
                        electedAfter,
                        runningAfter,
                        after.table());
                KafkaClusterJob.assertProducersColocated(after, "after recovery");
                assertEquals(
                        taskManagerPids,
                        KafkaClusterJob.taskManagerPids(cluster),
                        "TaskManagers outlive the JobManager");

                results.awaitInputs(inputs.size(), RUN_TIMEOUT, cluster::checkAlive);
                System.out.printf(
                        "Every input committed %d s after the kill%n",
                        Duration.ofNanos(System.nanoTime() - killedAt).toSeconds());
                KafkaClusterJob.awaitMoreCheckpoints(newRest, jobId, 2, cluster, START_TIMEOUT);
                KafkaClusterJob.cancel(newRest, jobId, cluster);
            }
        }

        CommittedResults.Counts counts =
                KafkaClusterJob.finalCounts(KAFKA, out, deadLetters, inputs);
        System.out.printf(
                "After the JobManager kill: %s; test took %d s%n",
                counts, Duration.ofNanos(System.nanoTime() - started).toSeconds());
        KafkaClusterJob.assertExactlyOnce(counts, KafkaClusterJob.badRecords(RECORDS));
    }
}
