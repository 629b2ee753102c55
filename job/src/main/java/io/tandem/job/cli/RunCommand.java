package io.tandem.job.cli;

import io.tandem.dispatch.WorkerPlan;
import io.tandem.job.Inputs;
import io.tandem.job.TandemJob;
import io.tandem.options.TandemOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.sink.JsonLinesFileSink;
import io.tandem.sink.LocalProgress;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code tandem run}: runs the pipeline on a bounded input, on a local MiniCluster when started
 * with {@code java -jar}, or on the cluster when Flink submits the jar ({@code flink run}, the REST
 * API, application mode). File paths must then be visible at the same place to the JobManager and
 * every TaskManager.
 */
@Command(
        name = "run",
        mixinStandardHelpOptions = true,
        description =
                "Run the pipeline over a bounded input: on a local Flink MiniCluster, or on the"
                        + " cluster when submitted with flink run or Flink's REST API.")
public final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(
            names = "--input",
            paramLabel = "<file.jsonl|sample:N>",
            description =
                    "JSON Lines input file, or sample:N generated documents (default: ${DEFAULT-VALUE}).",
            defaultValue = TandemOptions.DEFAULT_INPUT)
    String input;

    @Option(
            names = "--output",
            required = true,
            paramLabel = "<file.jsonl>",
            description = "Output JSON Lines file.")
    Path output;

    @Option(
            names = "--dead-letter",
            paramLabel = "<file.jsonl>",
            description =
                    "Dead-letter JSON Lines file (default: beside the output, <name>.dead-letter.jsonl).")
    Path deadLetter;

    @Option(
            names = "--pipeline",
            paramLabel = "<config>",
            description = "Pipeline configuration, JSON or YAML (default: the bundled pipeline).")
    Path pipelineConfig;

    @Option(
            names = "--cpu-workers",
            paramLabel = "N",
            description = "CPU task set parallelism; negative N means all CPUs but N.")
    Integer cpuWorkers;

    @Option(
            names = "--gpu-workers",
            paramLabel = "N",
            description =
                    "Inference subtasks; 0 runs the model in the CPU subtasks (default: one per GPU).")
    Integer gpuWorkers;

    @Option(
            names = "--gpu-devices",
            paramLabel = "I,J",
            split = ",",
            description =
                    "GPU indices to bind, one inference subtask each (when the cluster declares none).")
    List<Integer> gpuDevices;

    @Option(
            names = "--device",
            paramLabel = "auto|cpu|cuda",
            description = "Where forward passes run (default: auto).")
    String device;

    @Option(
            names = "--batch-size",
            paramLabel = "<N docs|words|padded_words>",
            description = "Batch size expression (default: 8000 padded_words).")
    String batchSize;

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            description = "Documents sorted together before batching (default: 256).")
    Integer chunkSize;

    @Option(
            names = "--max-batch-delay",
            paramLabel = "<duration>",
            description = "Longest wait for a batch to fill, e.g. 50ms (default: 100ms).")
    String maxBatchDelay;

    @Option(
            names = "--intra-op-threads",
            paramLabel = "N",
            description = "ONNX Runtime threads per session (default: 1).")
    Integer intraOpThreads;

    @Option(
            names = "--deterministic",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Keep input order in the output (default: ${DEFAULT-VALUE}).")
    boolean deterministic;

    @Option(
            names = "--max-text-chars",
            paramLabel = "N",
            description = "Texts longer than this go to the dead-letter output (default: 1000000).")
    Integer maxTextChars;

    @Option(names = "--no-progress", description = "Do not show the progress display.")
    boolean noProgress;

    @Option(names = "--verbose", description = "Log more, and print stack traces on errors.")
    boolean verbose;

    @Option(
            names = "-D",
            paramLabel = "key=value",
            description = "Any Flink or tandem.* configuration option.")
    Map<String, String> flinkOptions = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        boolean onCluster = TandemCli.submittedByFlink();
        if (verbose && !onCluster) {
            // Not on a cluster: there the logging configuration belongs to Flink's process.
            Configurator.setRootLevel(Level.INFO);
        }
        Configuration options = toConfiguration();
        Path outputFile = checkWritable(output, "Output");
        Path deadLetterFile =
                checkWritable(deadLetterPathFor(outputFile, deadLetter), "Dead-letter output");
        Pipeline pipeline = loadPipeline();
        WorkerPlan plan = plan(options);
        int workers = plan.cpuWorkers();
        int inferenceWorkers = pipeline.model().isPresent() ? plan.gpuWorkers() : 0;
        Inputs inputs = Inputs.resolve(options.get(TandemOptions.INPUT), workers);
        LOG.info("Worker plan: {}", plan.describe());

        String progressKey = "run-" + UUID.randomUUID();
        if (!onCluster) {
            // The local MiniCluster gets exactly the slots the job needs; a cluster has its own.
            options.set(
                    TaskManagerOptions.NUM_TASK_SLOTS,
                    Math.max(workers, inputs.parallelism()) + inferenceWorkers + 1);
        }
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(options);
        new TandemJob(options, pipeline, workers, inferenceWorkers, plan.gpuDevices())
                .attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        new JsonLinesFileSink(
                                outputFile,
                                deadLetterFile,
                                options.get(TandemOptions.DETERMINISTIC),
                                progressKey));
        if (onCluster) {
            // Flink's client decides: an attached `flink run` waits for the result here, the REST
            // API and a detached run return once the job is submitted. The progress display
            // counts in this JVM only, so it has nothing to show for a cluster.
            env.execute("tandem");
            return 0;
        }
        try {
            JobClient job = env.executeAsync("tandem");
            boolean showProgress = !noProgress && System.console() != null;
            try (ProgressDisplay progress =
                    showProgress
                            ? new ProgressDisplay(
                                    LocalProgress.counter(progressKey),
                                    inputs.expectedRecords(),
                                    System.err,
                                    options.get(TandemOptions.PROGRESS_INTERVAL))
                            : null) {
                job.getJobExecutionResult().get();
            }
        } finally {
            LocalProgress.release(progressKey);
        }
        return 0;
    }

    private Configuration toConfiguration() {
        Configuration options = Configuration.fromMap(flinkOptions);
        options.set(TandemOptions.INPUT, input);
        options.set(TandemOptions.OUTPUT, output.toString());
        options.set(TandemOptions.DETERMINISTIC, deterministic);
        if (cpuWorkers != null) {
            options.set(TandemOptions.CPU_WORKERS, cpuWorkers);
        }
        if (maxTextChars != null) {
            if (maxTextChars <= 0) {
                throw new TandemCli.UsageException(
                        "--max-text-chars must be positive, got " + maxTextChars);
            }
            options.set(TandemOptions.MAX_TEXT_CHARS, maxTextChars);
        }
        if (pipelineConfig != null) {
            options.set(TandemOptions.PIPELINE, pipelineConfig.toString());
        }
        if (gpuWorkers != null) {
            options.set(TandemOptions.GPU_WORKERS, gpuWorkers);
        }
        if (gpuDevices != null) {
            options.set(TandemOptions.GPU_DEVICES, gpuDevices);
        }
        if (device != null) {
            options.setString(
                    TandemOptions.DEVICE.key(), device.toUpperCase(java.util.Locale.ROOT));
            try {
                options.get(TandemOptions.DEVICE);
            } catch (IllegalArgumentException e) {
                throw new TandemCli.UsageException(
                        "--device " + device + ": expected auto, cpu or cuda");
            }
        }
        if (batchSize != null) {
            options.set(TandemOptions.BATCH_SIZE, batchSize);
        }
        if (chunkSize != null) {
            options.set(TandemOptions.CHUNK_SIZE, chunkSize);
        }
        if (maxBatchDelay != null) {
            options.setString(TandemOptions.MAX_BATCH_DELAY.key(), maxBatchDelay);
            try {
                options.get(TandemOptions.MAX_BATCH_DELAY);
            } catch (IllegalArgumentException e) {
                throw new TandemCli.UsageException(
                        "--max-batch-delay "
                                + maxBatchDelay
                                + ": expected a duration such as 50ms or 1s");
            }
        }
        if (intraOpThreads != null) {
            options.set(TandemOptions.INTRA_OP_THREADS, intraOpThreads);
        }
        // Every record type on Tandem's edges has a dedicated serializer; Kryo would be a bug.
        options.set(PipelineOptions.GENERIC_TYPES, false);
        return options;
    }

    private Pipeline loadPipeline() throws IOException {
        if (pipelineConfig == null) {
            return Pipeline.defaultPipeline();
        }
        if (!Files.isRegularFile(pipelineConfig)) {
            throw new TandemCli.UsageException(
                    "Pipeline configuration '" + pipelineConfig + "' does not exist");
        }
        return PipelineConfig.load(pipelineConfig);
    }

    private static WorkerPlan plan(Configuration options) {
        WorkerPlan.Builder plan = WorkerPlan.builder();
        options.getOptional(TandemOptions.CPU_WORKERS).ifPresent(plan::cpuWorkers);
        options.getOptional(TandemOptions.GPU_WORKERS).ifPresent(plan::gpuWorkers);
        options.getOptional(TandemOptions.GPU_DEVICES).ifPresent(plan::gpuDevices);
        try {
            return plan.build();
        } catch (IllegalArgumentException e) {
            throw new TandemCli.UsageException(e.getMessage());
        }
    }

    static Path deadLetterPathFor(Path output, Path explicit) {
        if (explicit != null) {
            return explicit;
        }
        String name = output.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
        return output.resolveSibling(stem + ".dead-letter.jsonl");
    }

    /**
     * Creates (or truncates) the file now, so that an unwritable path fails before the job starts.
     */
    private static Path checkWritable(Path file, String what) {
        if (Files.isDirectory(file)) {
            throw new TandemCli.UsageException(
                    what + " '" + file + "' is a directory, expected a file");
        }
        Path parent = file.toAbsolutePath().getParent();
        if (parent == null || !Files.isDirectory(parent)) {
            throw new TandemCli.UsageException(
                    what
                            + " '"
                            + file
                            + "' cannot be written: folder "
                            + parent
                            + " does not exist");
        }
        try (OutputStream ignored = Files.newOutputStream(file)) {
            return file;
        } catch (IOException e) {
            throw new TandemCli.UsageException(
                    what + " '" + file + "' cannot be written: " + e.getMessage());
        }
    }
}
