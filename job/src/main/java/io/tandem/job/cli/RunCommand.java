package io.tandem.job.cli;

import io.tandem.inference.Device;
import io.tandem.inference.GpuDetection;
import io.tandem.job.Inputs;
import io.tandem.job.LocalClusters;
import io.tandem.job.SlotResourceOptions;
import io.tandem.job.TandemJob;
import io.tandem.job.kafka.KafkaIo;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.job.sink.LocalProgress;
import io.tandem.job.sink.ParquetDocs;
import io.tandem.options.TandemOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.plan.CpuBudget;
import io.tandem.plan.WorkerPlan;
import io.tandem.source.InputFormat;
import io.tandem.source.SourceOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
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

    /** True when Flink's client runs this main (flink run, REST API, application mode). */
    private boolean onCluster;

    private static final java.time.Duration DEFAULT_CHECKPOINT_INTERVAL =
            java.time.Duration.ofSeconds(10);

    @Option(
            names = "--input",
            paramLabel = "<file|folder|glob|sample:N>",
            description =
                    "Input: a .jsonl, .jsonl.gz or .parquet file, a folder or a glob of them, or"
                            + " sample:N generated documents (default: ${DEFAULT-VALUE}).",
            defaultValue = TandemOptions.DEFAULT_INPUT)
    String input;

    @Option(
            names = "--input-format",
            paramLabel = "jsonl|parquet",
            description = "Format of every input file (default: told by each file's extension).")
    String inputFormat;

    @Option(
            names = "--id-column",
            paramLabel = "C",
            description = "Parquet input: the column holding the document id (default: id).")
    String idColumn;

    @Option(
            names = "--text-column",
            paramLabel = "C",
            description = "Parquet input: the column holding the document text (default: text).")
    String textColumn;

    @Option(
            names = "--output",
            paramLabel = "<file.jsonl>",
            description = "Output JSON Lines file.")
    Path output;

    @Option(
            names = "--output-format",
            paramLabel = "jsonl|parquet",
            description =
                    "jsonl: --output is one JSON Lines file; parquet: --output is a folder of"
                            + " Parquet part files (default: ${DEFAULT-VALUE}).",
            defaultValue = "jsonl")
    String outputFormat;

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

    @Option(
            names = "--kafka-bootstrap",
            paramLabel = "HOST:PORT",
            description = "Kafka mode: bootstrap servers.")
    String kafkaBootstrap;

    @Option(
            names = "--input-topic",
            paramLabel = "T",
            description = "Kafka mode: topic of input documents.")
    String inputTopic;

    @Option(
            names = "--output-topic",
            paramLabel = "O",
            description = "Kafka mode: topic of processed documents.")
    String outputTopic;

    @Option(
            names = "--dlq-topic",
            paramLabel = "D",
            description = "Kafka mode: dead-letter topic (default: <output-topic>-dlq).")
    String dlqTopic;

    @Option(
            names = "--group-id",
            paramLabel = "G",
            description = "Kafka mode: consumer group id (default: tandem).")
    String groupId;

    @Option(
            names = "--starting-offsets",
            paramLabel = "earliest|latest|committed",
            description = "Kafka mode: where to start without a checkpoint (default: committed).")
    String startingOffsets;

    @Option(
            names = "--kafka-properties",
            paramLabel = "<file>",
            description = "Kafka mode: properties (SASL/SSL...) for source and sink; never logged.")
    Path kafkaProperties;

    @Option(
            names = "--delivery",
            paramLabel = "exactly-once|at-least-once|none",
            description = "Kafka mode: delivery guarantee of the sink (default: exactly-once).")
    String delivery;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "<duration>",
            description = "Checkpoint interval (default in Kafka mode: 10s).")
    String checkpointInterval;

    @Option(
            names = "--transactional-id-prefix",
            paramLabel = "P",
            description =
                    "Kafka mode: transactional id prefix, unique per job (default: tandem-<group>-<output-topic>).")
    String transactionalIdPrefix;

    @Option(
            names = "--stop-at-latest-offsets",
            description = "Kafka mode: stop after the input present at start (a bounded backfill).")
    boolean stopAtLatestOffsets;

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
        onCluster = TandemCli.submittedByFlink();
        if (verbose && !onCluster) {
            // Not on a cluster: there the logging configuration belongs to Flink's process.
            Configurator.setRootLevel(Level.INFO);
        }
        Configuration options = toConfiguration();
        Pipeline pipeline = loadPipeline();
        // On a cluster this main runs in the client or the JobManager, whose GPUs are not the
        // TaskManagers': there the TaskManagers declare theirs (external resources).
        GpuDetection gpus = onCluster ? null : GpuDetection.detect();
        if (gpus != null) {
            LOG.info("{}", gpuLogLine(gpus));
        }
        WorkerPlan plan = plan(options, gpus, null);
        int workers = plan.cpuWorkers();
        int inferenceWorkers = pipeline.model().isPresent() ? plan.gpuWorkers() : 0;
        LOG.info("Worker plan: {}", plan.describe());
        if (onCluster && !options.contains(SlotResourceOptions.DECLARE)) {
            // Only a cluster's TaskManagers declare GPUs; a MiniCluster never does.
            options.set(
                    SlotResourceOptions.DECLARE,
                    inferenceWorkers > 0 && options.get(TandemOptions.DEVICE) != Device.CPU);
        }
        // Without inference subtasks, the CPU subtasks share the detected GPUs.
        List<Integer> devices =
                inferenceWorkers > 0 || gpus == null ? plan.gpuDevices() : gpus.devices();
        TandemJob job = new TandemJob(options, pipeline, workers, inferenceWorkers, devices);
        if (inferenceWorkers > 0) {
            LOG.info("Slot resources: {}", job.describeSlotResources());
        }
        return options.getOptional(TandemOptions.KAFKA_BOOTSTRAP).isPresent()
                ? runKafka(options, job)
                : runFiles(options, job);
    }

    private int runFiles(Configuration options, TandemJob job) throws Exception {
        if (output == null) {
            throw new TandemCli.UsageException(
                    "Missing --output <file.jsonl> (or --kafka-bootstrap with topics for a continuous job)");
        }
        boolean parquet = parquetOutput();
        Path outputFile = parquet ? checkFolder(output) : checkWritable(output, "Output");
        Path deadLetterFile =
                checkWritable(deadLetterPathFor(outputFile, deadLetter), "Dead-letter output");
        Inputs inputs = Inputs.resolve(options, job.cpuWorkers());
        if (parquet && !options.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            // Flink's FileSink commits part files on checkpoints only, the last one included:
            // without
            // checkpointing they would stay hidden in-progress files.
            options.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        // The progress display counts the lines of the JSON Lines sink; Parquet has none to count.
        String progressKey = parquet ? null : "run-" + UUID.randomUUID();
        if (!onCluster) {
            // The local MiniCluster gets exactly the slots the job needs; a cluster has its own.
            options.set(
                    TaskManagerOptions.NUM_TASK_SLOTS,
                    Math.max(job.cpuWorkers(), inputs.parallelism()) + job.gpuWorkers() + 1);
        }
        try (LocalClusters clusters = new LocalClusters()) {
            StreamExecutionEnvironment env = clusters.environment(options);
            if (parquet) {
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        ParquetDocs.sink(outputFile),
                        JsonLinesFileSink.deadLettersOnly(deadLetterFile, null));
            } else {
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        new JsonLinesFileSink(
                                outputFile,
                                deadLetterFile,
                                options.get(TandemOptions.DETERMINISTIC),
                                progressKey));
            }
            if (onCluster) {
                // Flink's client decides: an attached `flink run` waits for the result here, the
                // REST API and a detached run return once the job is submitted. The progress
                // display counts in this JVM only, so it has nothing to show for a cluster.
                env.execute("tandem");
                return 0;
            }
            try {
                JobClient client = env.executeAsync("tandem: " + inputs.source());
                boolean showProgress =
                        progressKey != null
                                && !noProgress
                                && System.console() != null
                                && clusters.isLocal(env);
                try (ProgressDisplay progress =
                        showProgress
                                ? new ProgressDisplay(
                                        LocalProgress.counter(progressKey),
                                        inputs.expectedRecords(),
                                        System.err,
                                        options.get(TandemOptions.PROGRESS_INTERVAL))
                                : null) {
                    client.getJobExecutionResult().get();
                }
            } finally {
                if (progressKey != null) {
                    LocalProgress.release(progressKey);
                }
            }
        }
        return 0;
    }

    /**
     * A continuous job from Kafka to Kafka. Locally it runs until interrupted (or, with
     * --stop-at-latest-offsets, until the input read at start is done); submitted to a cluster it
     * returns as soon as the job is submitted, so detached submission works.
     */
    private int runKafka(Configuration options, TandemJob job) throws Exception {
        if (output != null || !TandemOptions.DEFAULT_INPUT.equals(input)) {
            throw new TandemCli.UsageException(
                    "--input/--output are for files; Kafka mode reads --input-topic and writes --output-topic");
        }
        if (!options.contains(CheckpointingOptions.CHECKPOINTING_INTERVAL)) {
            options.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, DEFAULT_CHECKPOINT_INTERVAL);
        }
        KafkaIo kafka = new KafkaIo(options);
        kafka.checkTransactionTimeout(options);
        LOG.info("{}", kafka.describe());
        if (!onCluster) {
            options.set(TaskManagerOptions.NUM_TASK_SLOTS, job.cpuWorkers() + job.gpuWorkers() + 1);
        }
        try (LocalClusters clusters = new LocalClusters()) {
            StreamExecutionEnvironment env = clusters.environment(options);
            job.attachKafka(env, kafka.source(), kafka.sink());
            String name = "tandem: " + kafka.inputTopic() + " -> " + kafka.outputTopic();
            JobClient client = env.executeAsync(name);
            LOG.info("Submitted {} as job {}", name, client.getJobID());
            // A bounded backfill, or a local MiniCluster that dies with this JVM, is waited for; an
            // unbounded job submitted to a cluster keeps running after the client returns.
            if (clusters.isLocal(env) || options.get(TandemOptions.STOP_AT_LATEST_OFFSETS)) {
                client.getJobExecutionResult().get();
            }
        }
        return 0;
    }

    private Configuration toConfiguration() {
        Configuration options = Configuration.fromMap(flinkOptions);
        options.set(TandemOptions.INPUT, input);
        if (inputFormat != null) {
            try {
                options.set(SourceOptions.INPUT_FORMAT, InputFormat.parse(inputFormat).lowerCase());
            } catch (IllegalArgumentException e) {
                throw new TandemCli.UsageException("--input-format " + e.getMessage());
            }
        }
        setIfGiven(options, SourceOptions.ID_COLUMN, idColumn);
        setIfGiven(options, SourceOptions.TEXT_COLUMN, textColumn);
        if (output != null) {
            options.set(TandemOptions.OUTPUT, output.toString());
        }
        setIfGiven(options, TandemOptions.KAFKA_BOOTSTRAP, kafkaBootstrap);
        setIfGiven(options, TandemOptions.INPUT_TOPIC, inputTopic);
        setIfGiven(options, TandemOptions.OUTPUT_TOPIC, outputTopic);
        setIfGiven(options, TandemOptions.DLQ_TOPIC, dlqTopic);
        setIfGiven(options, TandemOptions.GROUP_ID, groupId);
        setIfGiven(options, TandemOptions.TRANSACTIONAL_ID_PREFIX, transactionalIdPrefix);
        if (kafkaProperties != null) {
            options.set(TandemOptions.KAFKA_PROPERTIES, kafkaProperties.toString());
        }
        if (stopAtLatestOffsets) {
            options.set(TandemOptions.STOP_AT_LATEST_OFFSETS, true);
        }
        setEnum(options, TandemOptions.STARTING_OFFSETS, "--starting-offsets", startingOffsets);
        setEnum(options, TandemOptions.DELIVERY, "--delivery", delivery);
        if (checkpointInterval != null) {
            options.setString(
                    CheckpointingOptions.CHECKPOINTING_INTERVAL.key(), checkpointInterval);
            try {
                options.get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
            } catch (IllegalArgumentException e) {
                throw new TandemCli.UsageException(
                        "--checkpoint-interval "
                                + checkpointInterval
                                + ": expected a duration such as 10s");
            }
        }
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

    /** The one line {@code run} logs about this host's GPUs. */
    static String gpuLogLine(GpuDetection gpus) {
        return gpus.found()
                ? "GPUs: " + gpus.describe() + "; inference runs on them (CUDA when it loads)"
                : "GPUs: " + gpus.describe() + "; the model runs on the CPU";
    }

    /**
     * The worker plan for {@code options} on a host with {@code gpus} (null: none known) and the
     * given CPU budget (null: this process's).
     */
    static WorkerPlan plan(Configuration options, GpuDetection gpus, CpuBudget budget) {
        WorkerPlan.Builder plan = WorkerPlan.builder();
        if (gpus != null) {
            plan.detectedGpuDevices(gpus.devices());
        }
        if (budget != null) {
            plan.cpuBudget(budget);
        }
        options.getOptional(TandemOptions.CPU_WORKERS).ifPresent(plan::cpuWorkers);
        options.getOptional(TandemOptions.GPU_WORKERS).ifPresent(plan::gpuWorkers);
        options.getOptional(TandemOptions.GPU_DEVICES).ifPresent(plan::gpuDevices);
        try {
            return plan.build();
        } catch (IllegalArgumentException e) {
            throw new TandemCli.UsageException(e.getMessage());
        }
    }

    private static void setIfGiven(
            Configuration options, ConfigOption<String> option, String value) {
        if (value != null) {
            options.set(option, value);
        }
    }

    /** Accepts "exactly-once" as well as "EXACTLY_ONCE". */
    private static <E extends Enum<E>> void setEnum(
            Configuration options, ConfigOption<E> option, String flag, String value) {
        if (value == null) {
            return;
        }
        options.setString(
                option.key(), value.trim().toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        try {
            options.get(option);
        } catch (IllegalArgumentException e) {
            throw new TandemCli.UsageException(
                    flag
                            + " "
                            + value
                            + ": expected one of "
                            + java.util.Arrays.stream(
                                            option.defaultValue()
                                                    .getDeclaringClass()
                                                    .getEnumConstants())
                                    .map(
                                            c ->
                                                    c.name()
                                                            .toLowerCase(java.util.Locale.ROOT)
                                                            .replace('_', '-'))
                                    .toList());
        }
    }

    private boolean parquetOutput() {
        return switch (outputFormat.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "jsonl" -> false;
            case "parquet" -> true;
            default ->
                    throw new TandemCli.UsageException(
                            "--output-format " + outputFormat + ": expected jsonl or parquet");
        };
    }

    /** Creates the Parquet output folder now, so that an unwritable path fails before the job. */
    private static Path checkFolder(Path folder) {
        if (Files.isRegularFile(folder)) {
            throw new TandemCli.UsageException(
                    "Output '" + folder + "' is a file, expected a folder for Parquet part files");
        }
        try {
            return Files.createDirectories(folder);
        } catch (IOException e) {
            throw new TandemCli.UsageException(
                    "Output folder '" + folder + "' cannot be created: " + e.getMessage());
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
