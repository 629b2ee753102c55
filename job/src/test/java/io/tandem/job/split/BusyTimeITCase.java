package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.batching.BatchingOptions;
import io.tandem.doc.Doc;
import io.tandem.job.TandemJob;
import io.tandem.job.measure.AutoscalerRule;
import io.tandem.job.measure.AutoscalerRule.VertexLoad;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.source.SampleSource;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.InjectClusterRESTAddress;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Flink's busy time, read from the MiniCluster's REST API as the dashboard and the autoscaler read
 * it, against what Tandem measures, in a run bound by its rule components and in one bound by its
 * forward passes; then the autoscaler's sizing rule ({@link AutoscalerRule}) on the same metrics.
 *
 * <p>Flink's {@code busyTimeMsPerSecond} and Tandem's {@code tandemInferenceBusyFraction} are both
 * averages over the last 60 s (Flink's from the task's start, which it counts as busy), so each run
 * is measured over a window a little longer than that, after its start-up. On the inference vertex
 * Flink's busy share is compared with {@code tandemInferenceBusyFraction}. On the CPU vertex (parse
 * and annotate, then the batcher) it is compared with what its task thread was seen doing over the
 * window: a sampler reads its stack every few milliseconds and counts it waiting when it is parked
 * on its mailbox (for input, or for a credit while the batcher yields) or on a network buffer, and
 * working otherwise. The expensive rules and the slow forward pass sleep instead of computing, so a
 * loaded machine slows nothing that is measured. Shares agree within 10 points.
 */
class BusyTimeITCase {
    private static final Duration WARM_UP = Duration.ofSeconds(15);

    /**
     * Flink's busy time ({@code busyTimeMsPerSecond}), its input rate ({@code
     * numRecordsInPerSecond}) and {@code tandemInferenceBusyFraction} are averages over the last 60
     * s: measured over a little more, they hold only the steady part, not the task's start.
     */
    private static final Duration WINDOW = Duration.ofSeconds(65);

    /** Each figure is the mean of this many reads, a second apart. */
    private static final int READS = 3;

    private static final double AGREEMENT_POINTS = 10;

    /** The job must go this much faster than measured: the rate the rule sizes each vertex for. */
    private static final double REQUIRED_SPEED_UP = 1.5;

    private static final String CPU_VERTEX = "parse and annotate -> batcher ";
    private static final String INFERENCE_VERTEX = "inference ";

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(RestMetrics.clusterConfiguration())
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(3)
                            .build());

    @TempDir Path dir;

    @Test
    void inARunBoundByItsRulesFlinkAndTandemAgreeAndTheRuleRaisesOnlyTheCpuVertex(
            @InjectClusterRESTAddress URI rest) throws Exception {
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .add(new SleepingRules(5))
                        .model(OnnxTokenClassifier.tiny())
                        .build();
        Measured run = measure(rest, pipeline, "rule-bound");
        run.assertAgreement();
        assertEquals(List.of(run.cpuVertex()), run.raisedByTheRule(), run.toString());
    }

    @Test
    void inARunBoundByItsForwardPassesFlinkAndTandemAgreeAndTheRuleRaisesOnlyInference(
            @InjectClusterRESTAddress URI rest) throws Exception {
        Pipeline pipeline =
                Pipeline.builder().tokenizer().model(new TestingSlowModel(250, null)).build();
        Measured run = measure(rest, pipeline, "inference-bound");
        run.assertAgreement();
        assertEquals(List.of(run.inferenceVertex()), run.raisedByTheRule(), run.toString());
    }

    /** One vertex over the measured window: Flink's busy share and records read per second. */
    private record VertexFigures(String name, int parallelism, double busy, double records) {}

    private record Measured(
            String name,
            List<VertexFigures> vertices,
            double inferenceBusyTandem,
            double cpuBusySampled) {
        String cpuVertex() {
            return find(CPU_VERTEX).name();
        }

        String inferenceVertex() {
            return find(INFERENCE_VERTEX).name();
        }

        VertexFigures find(String prefix) {
            return vertices.stream()
                    .filter(v -> v.name().startsWith(prefix))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no vertex " + prefix + " in " + this));
        }

        void assertAgreement() {
            double inference = find(INFERENCE_VERTEX).busy();
            assertTrue(
                    Math.abs(inference - inferenceBusyTandem) * 100 <= AGREEMENT_POINTS,
                    "inference vertex: Flink's busy share "
                            + inference
                            + " against Tandem's forward time share "
                            + inferenceBusyTandem
                            + ", expected within "
                            + AGREEMENT_POINTS
                            + " points; "
                            + this);
            double cpu = find(CPU_VERTEX).busy();
            assertTrue(
                    Math.abs(cpu - cpuBusySampled) * 100 <= AGREEMENT_POINTS,
                    "CPU vertex: Flink's busy share "
                            + cpu
                            + " against the task thread seen working "
                            + cpuBusySampled
                            + ", expected within "
                            + AGREEMENT_POINTS
                            + " points; "
                            + this);
        }

        /**
         * The vertices whose target parallelism under the autoscaler's rule is above today's. The
         * source is left out: the autoscaler sizes sources by their backlog, which a generated
         * input does not have.
         */
        List<String> raisedByTheRule() {
            AutoscalerRule rule = new AutoscalerRule(AutoscalerRule.DEFAULT_TARGET_UTILIZATION);
            List<String> raised = new ArrayList<>();
            for (VertexFigures v : vertices) {
                if (v.name().startsWith("Source")) {
                    continue;
                }
                VertexLoad load =
                        new VertexLoad(v.name(), v.parallelism(), v.records(), v.busy() * 1000);
                if (rule.targetParallelism(load, v.records() * REQUIRED_SPEED_UP)
                        > v.parallelism()) {
                    raised.add(v.name());
                }
            }
            return raised;
        }
    }

    private Measured measure(URI rest, Pipeline pipeline, String name) throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 64);
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        new TandemJob(options, pipeline, 1, 1, List.of())
                .attach(
                        env,
                        SampleSource.create(Long.MAX_VALUE),
                        // Wider than the CPU task set, so the input stays a vertex of its own, as
                        // a Kafka source does: at P it would chain into the CPU vertex, which the
                        // autoscaler then sizes as a source, by its backlog.
                        2,
                        new JsonLinesFileSink(
                                dir.resolve(name + ".jsonl"),
                                dir.resolve(name + ".dead.jsonl"),
                                false,
                                null));
        JobClient client = env.executeAsync(name);
        try {
            RestMetrics metrics = new RestMetrics(rest, client.getJobID().toHexString());
            Thread.sleep(WARM_UP.toMillis());
            Map<String, String> vertices = metrics.vertices();
            String cpuId = idOf(vertices, CPU_VERTEX);
            String inferenceId = idOf(vertices, INFERENCE_VERTEX);
            double cpuBusySampled;
            try (ThreadSampler cpuThread = ThreadSampler.start(vertices.get(cpuId))) {
                // Flink's and Tandem's windows then hold only what the sampler saw.
                Thread.sleep(WINDOW.toMillis());
                cpuBusySampled = cpuThread.busyShare();
            }
            Map<String, VertexFigures> sums = new LinkedHashMap<>();
            double tandem = 0;
            for (int read = 0; read < READS; read++) {
                if (read > 0) {
                    Thread.sleep(1000);
                }
                for (var vertex : vertices.entrySet()) {
                    String id = vertex.getKey();
                    Map<String, Double> values =
                            metrics.values(
                                    id, List.of("busyTimeMsPerSecond", "numRecordsInPerSecond"));
                    sums.merge(
                            id,
                            new VertexFigures(
                                    vertex.getValue(),
                                    metrics.parallelism(id),
                                    values.get("busyTimeMsPerSecond") / 1000 / READS,
                                    values.get("numRecordsInPerSecond") / READS),
                            (a, b) ->
                                    new VertexFigures(
                                            a.name(),
                                            a.parallelism(),
                                            a.busy() + b.busy(),
                                            a.records() + b.records()));
                }
                tandem +=
                        metrics.operatorGauge(
                                        inferenceId,
                                        vertices.get(inferenceId),
                                        "tandemInferenceBusyFraction")
                                / READS;
            }
            Measured measured =
                    new Measured(name, List.copyOf(sums.values()), tandem, cpuBusySampled);
            System.out.println(measured);
            return measured;
        } finally {
            client.cancel().get();
        }
    }

    private static String idOf(Map<String, String> vertices, String prefix) {
        return vertices.entrySet().stream()
                .filter(v -> v.getValue().startsWith(prefix))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no vertex " + prefix + " in " + vertices));
    }

    /**
     * Reads one task thread's stack every few milliseconds and counts the share of samples in which
     * it was working: not parked on its mailbox (where Flink's task waits for input, and the
     * batcher for a credit) nor on a network buffer (where it waits for the downstream).
     */
    private static final class ThreadSampler implements AutoCloseable {
        private static final long PERIOD_MILLIS = 5;
        private final ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        private final long threadId;
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final AtomicLong working = new AtomicLong();
        private final AtomicLong total = new AtomicLong();
        private final Thread sampler;

        private ThreadSampler(long threadId) {
            this.threadId = threadId;
            this.sampler = new Thread(this::run, "busy-time-sampler");
            sampler.setDaemon(true);
        }

        /** Samples the task thread whose name starts with {@code taskName}. */
        static ThreadSampler start(String taskName) {
            ThreadMXBean threads = ManagementFactory.getThreadMXBean();
            for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
                if (info != null && info.getThreadName().startsWith(taskName + " (")) {
                    ThreadSampler sampler = new ThreadSampler(info.getThreadId());
                    sampler.sampler.start();
                    return sampler;
                }
            }
            throw new AssertionError("no task thread named " + taskName);
        }

        private void run() {
            while (running.get()) {
                ThreadInfo info = threads.getThreadInfo(threadId, Integer.MAX_VALUE);
                if (info == null) {
                    return;
                }
                total.incrementAndGet();
                if (!waiting(info)) {
                    working.incrementAndGet();
                }
                try {
                    Thread.sleep(PERIOD_MILLIS);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }

        private static boolean waiting(ThreadInfo info) {
            if (info.getThreadState() == Thread.State.RUNNABLE) {
                return false;
            }
            for (StackTraceElement frame : info.getStackTrace()) {
                String at = frame.getClassName() + "." + frame.getMethodName();
                if (at.equals(
                                "org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailboxImpl.take")
                        || (frame.getClassName()
                                        .startsWith("org.apache.flink.runtime.io.network.buffer.")
                                && frame.getMethodName().contains("Blocking"))) {
                    return true;
                }
            }
            return false;
        }

        double busyShare() {
            long samples = total.get();
            assertTrue(samples > 100, "too few samples of the task thread: " + samples);
            return (double) working.get() / samples;
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }

    /** Rule components whose work takes a fixed time per document; they sleep through it. */
    static final class SleepingRules implements PipelineComponent {
        private static final long serialVersionUID = 1L;
        private final long millis;

        SleepingRules(long millis) {
            this.millis = millis;
        }

        @Override
        public String name() {
            return "sleeping-rules";
        }

        @Override
        public void process(Doc doc) {
            try {
                Thread.sleep(millis);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
