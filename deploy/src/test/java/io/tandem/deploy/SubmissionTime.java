package io.tandem.deploy;

import io.tandem.deploy.cluster.FlinkRest;
import io.tandem.deploy.cluster.StandaloneCluster;
import io.tandem.deploy.config.FlinkYaml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How long submitting each given job jar to a standalone session cluster takes: the REST upload,
 * {@code /jars/:id/run} until the job is submitted, and the job (20 sample documents, in place on
 * one CPU worker) until it finished, for each jar in turn, 3 rounds, the best of each printed. A
 * measurement, not a test: run it with the module's test classpath after {@code mvn verify} built
 * the jars and {@code target/flink-cluster.classpath}:
 *
 * <pre>
 * java -cp deploy/target/test-classes:$(cat cp.txt) io.tandem.deploy.SubmissionTime \
 *     deploy/target/flink-cluster.classpath job/target/tandem.jar job/target/tandem-linux-x86_64.jar
 * </pre>
 */
public final class SubmissionTime {
    private static final String ENTRY_CLASS = "io.tandem.job.cli.TandemCli";
    private static final int ROUNDS = 3;

    private SubmissionTime() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2) {
            throw new IllegalArgumentException(
                    "Usage: SubmissionTime <flink-cluster.classpath> <job jar>...; got "
                            + List.of(args));
        }
        String classpath = Files.readString(Path.of(args[0])).trim();
        List<Path> jars = List.of(args).subList(1, args.length).stream().map(Path::of).toList();
        Path dir = Files.createTempDirectory("submission-time");
        Map<String, Object> configuration =
                new LinkedHashMap<>(
                        FlinkYaml.readConfiguration(Path.of("deploy/standalone/config.yaml")));
        configuration.put("jobmanager.memory.process.size", "768m");
        configuration.put("taskmanager.memory.process.size", "1280m");
        configuration.put("taskmanager.memory.task.off-heap.size", "128m");
        configuration.put("taskmanager.numberOfTaskSlots", "2");
        Map<Path, long[]> best = new LinkedHashMap<>();
        try (StandaloneCluster cluster =
                StandaloneCluster.start(
                        new StandaloneCluster.Settings(
                                Files.createDirectories(dir.resolve("cluster")),
                                classpath,
                                configuration,
                                1,
                                Map.of("ORT_DISABLE_TELEMETRY", "1"),
                                List.of("ORT_DISABLE_TELEMETRY"),
                                Map.of(),
                                Duration.ofSeconds(120)))) {
            FlinkRest rest = cluster.rest();
            for (int round = 0; round < ROUNDS; round++) {
                for (Path jar : jars) {
                    long start = System.nanoTime();
                    String jarId = rest.uploadJar(jar);
                    long uploaded = System.nanoTime();
                    Path output = dir.resolve("out-" + round + "-" + jar.getFileName() + ".jsonl");
                    String jobId =
                            rest.runJar(
                                    jarId,
                                    ENTRY_CLASS,
                                    List.of(
                                            "run",
                                            "--input",
                                            "sample:20",
                                            "--output",
                                            output.toString(),
                                            "--cpu-workers",
                                            "1",
                                            "--gpu-workers",
                                            "0",
                                            "--no-progress"));
                    long submitted = System.nanoTime();
                    String state =
                            rest.awaitTerminalState(
                                    jobId, Duration.ofMinutes(3), cluster::checkAlive);
                    long finished = System.nanoTime();
                    if (!"FINISHED".equals(state)) {
                        throw new IllegalStateException(
                                "Job of "
                                        + jar
                                        + " ended "
                                        + state
                                        + ": "
                                        + rest.failureCause(jobId));
                    }
                    long[] times = {uploaded - start, submitted - uploaded, finished - start};
                    System.out.printf(
                            Locale.ROOT,
                            "round %d %-28s %6.2f MB: upload %6.0f ms, run until submitted %6.0f"
                                    + " ms, upload to finished %6.0f ms%n",
                            round,
                            jar.getFileName(),
                            Files.size(jar) / 1e6,
                            times[0] / 1e6,
                            times[1] / 1e6,
                            times[2] / 1e6);
                    best.merge(
                            jar,
                            times,
                            (a, b) ->
                                    new long[] {
                                        Math.min(a[0], b[0]),
                                        Math.min(a[1], b[1]),
                                        Math.min(a[2], b[2])
                                    });
                }
            }
        }
        best.forEach(
                (jar, times) ->
                        System.out.printf(
                                Locale.ROOT,
                                "best %-28s upload %6.0f ms, run until submitted %6.0f ms, upload"
                                        + " to finished %6.0f ms%n",
                                jar.getFileName(),
                                times[0] / 1e6,
                                times[1] / 1e6,
                                times[2] / 1e6));
    }
}
