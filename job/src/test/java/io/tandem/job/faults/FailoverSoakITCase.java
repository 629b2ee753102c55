package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.batching.BatchCredits;
import io.tandem.batching.BatchingOptions;
import io.tandem.inference.OnnxSession;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.SampleSource;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Twenty failovers of a job running a real ONNX Runtime model leave nothing behind: after the job,
 * no batch credits or handed-over documents of any attempt are left in the JVM, and threads, open
 * file descriptors, direct memory and live ONNX sessions are back to what they were after a first
 * run of the same job. In both layouts: the model run in place by the CPU subtasks, and an
 * inference subtask with the batcher and the postprocess join around it.
 */
class FailoverSoakITCase {
    private static final int FAILOVERS = 20;
    private static final int DOCS = 200;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            // Two CPU subtasks, and one inference subtask in a slot of its own.
                            .setNumberSlotsPerTaskManager(3)
                            .build());

    @TempDir Path dir;

    /** What the process holds, measured once the collector and the finalizers had their turn. */
    private record Footprint(int threads, long fileDescriptors, long directBytes, int sessions) {
        static Footprint now() throws Exception {
            for (int i = 0; i < 3; i++) {
                System.gc();
                Thread.sleep(300);
            }
            long directBytes = 0;
            for (BufferPoolMXBean pool :
                    ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
                if (pool.getName().equals("direct")) {
                    directBytes = pool.getMemoryUsed();
                }
            }
            long fds;
            try (Stream<Path> open = Files.list(Path.of("/proc/self/fd"))) {
                fds = open.count();
            }
            return new Footprint(
                    ManagementFactory.getThreadMXBean().getThreadCount(),
                    fds,
                    directBytes,
                    OnnxSession.openSessions());
        }
    }

    private void run(String name, int failovers, int gpuWorkers) throws Exception {
        FaultInjectingModel.TASK_FAILURES_LEFT.set(failovers);
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, failovers + 5);
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ZERO);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Path out = dir.resolve(name + ".jsonl");
        new TandemJob(
                        options,
                        Pipeline.builder()
                                .tokenizer()
                                .model(new FaultInjectingModel(FaultInjectingModel.Fault.KILL_TASK))
                                .build(),
                        2,
                        gpuWorkers,
                        List.of())
                .attach(
                        env,
                        SampleSource.create(DOCS),
                        1,
                        new JsonLinesFileSink(out, dir.resolve(name + ".dead.jsonl"), true, null));
        String job = env.execute(name).getJobID().toString();
        assertEquals(DOCS, Files.readAllLines(out).size(), name + ": every document came out");
        assertEquals(
                0,
                BatchCredits.entriesOfJob(job),
                name + ": credits or handed-over documents of an attempt left in the JVM");
        assertEquals(
                0,
                Math.max(0, FaultInjectingModel.TASK_FAILURES_LEFT.get()),
                name + ": every failure was injected");
    }

    private static long timerThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.getName().startsWith("tandem-forward-timer"))
                .count();
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void twentyFailoversLeaveNoThreadFileDescriptorDirectMemoryOrSessionBehind(int gpuWorkers)
            throws Exception {
        run("warm-up-" + gpuWorkers, 1, gpuWorkers);
        Footprint before = Footprint.now();
        long start = System.nanoTime();
        run("soak-" + gpuWorkers, FAILOVERS, gpuWorkers);
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        Footprint after = Footprint.now();
        System.out.printf(
                "FailoverSoakITCase, %d inference subtasks: %d failovers in %d ms; threads %d ->"
                        + " %d, open files %d -> %d, direct memory %d -> %d bytes, ONNX sessions"
                        + " %d -> %d, timer threads %d%n",
                gpuWorkers,
                FAILOVERS,
                tookMillis,
                before.threads(),
                after.threads(),
                before.fileDescriptors(),
                after.fileDescriptors(),
                before.directBytes(),
                after.directBytes(),
                before.sessions(),
                after.sessions(),
                timerThreads());
        assertEquals(0, after.sessions(), "ONNX sessions still open");
        assertEquals(0, timerThreads(), "forward timer threads still running");
        assertTrue(
                after.threads() <= before.threads() + 4,
                "threads " + before.threads() + " -> " + after.threads());
        assertTrue(
                after.fileDescriptors() <= before.fileDescriptors() + 8,
                "open files " + before.fileDescriptors() + " -> " + after.fileDescriptors());
        assertTrue(
                after.directBytes() <= before.directBytes() + (1 << 20),
                "direct memory " + before.directBytes() + " -> " + after.directBytes());
    }
}
