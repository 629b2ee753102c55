package io.tandem.job;

import io.tandem.batching.BatchSize;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.FaultToleranceOptions;
import io.tandem.inference.Bisection;
import io.tandem.inference.Device;
import io.tandem.inference.ForwardGuard;
import io.tandem.inference.GpuDetection;
import io.tandem.inference.InferenceOptions;
import io.tandem.job.jdbc.JdbcConnection;
import io.tandem.job.jdbc.JdbcNoteNlpOutput;
import io.tandem.job.jdbc.JdbcOptions;
import io.tandem.job.jdbc.NoteInput;
import io.tandem.job.kafka.KafkaIo;
import io.tandem.job.kafka.KafkaOptions;
import io.tandem.job.options.OptionReader;
import io.tandem.parse.ParseOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.PipelineConfig;
import io.tandem.plan.CpuBudget;
import io.tandem.plan.WorkerOptions;
import io.tandem.plan.WorkerPlan;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.InputFormat;
import io.tandem.source.SourceOptions;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.CheckpointingMode;

/**
 * A run of Tandem as a Flink configuration describes it: the pipeline, the worker plan, the job
 * graph's settings, and either the input and output files of a bounded job or the Kafka source and
 * sink of a continuous one. {@link Builder#sanityCheck()} reads every {@code tandem.*} key and
 * fails on the first bad one with a message naming it; unknown {@code tandem.*} keys are refused
 * too.
 */
public final class JobSetup {

    /** Every class declaring {@code tandem.*} options. */
    public static final List<Class<?>> OPTION_CLASSES =
            List.of(
                    JobOptions.class,
                    BatchingOptions.class,
                    InferenceOptions.class,
                    ParseOptions.class,
                    WorkerOptions.class,
                    SlotResourceOptions.class,
                    KafkaOptions.class,
                    FaultToleranceOptions.class,
                    SourceOptions.class,
                    JdbcOptions.class,
                    WebUiOptions.class);

    /** Checkpoint interval of a continuous job unless the configuration sets one. */
    public static final Duration DEFAULT_KAFKA_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    /**
     * Checkpoint interval of a job writing Parquet unless the configuration sets one: Flink's
     * FileSink commits part files on checkpoints only, the last one included, so without
     * checkpointing they would stay hidden in-progress files.
     */
    public static final Duration DEFAULT_PARQUET_CHECKPOINT_INTERVAL = Duration.ofSeconds(10);

    private static final String KEY_PREFIX = "tandem.";
    private static final String KAFKA_KEY_PREFIX = "tandem.kafka.";

    /**
     * The files of a bounded job.
     *
     * @param output a JSON Lines file, or the folder of Parquet part files; null when {@code
     *     noteNlp} writes the output
     * @param deadLetterOutput null when {@code noteNlp} writes the output
     * @param noteNlp the OMOP NOTE_NLP tables of a {@code jdbc:} output, or null
     */
    public record FileIo(
            Inputs inputs,
            OutputFormat outputFormat,
            Path output,
            Path deadLetterOutput,
            JdbcNoteNlpOutput noteNlp) {

        public FileIo(
                Inputs inputs, OutputFormat outputFormat, Path output, Path deadLetterOutput) {
            this(inputs, outputFormat, output, deadLetterOutput, null);
        }

        /** The output is a folder of Parquet part files. */
        public boolean parquetFolder() {
            return noteNlp == null && outputFormat.parquetFolder(output);
        }
    }

    private final Configuration configuration;
    private final Pipeline pipeline;
    private final WorkerPlan plan;
    private final TandemJob job;
    private final FileIo files;
    private final KafkaIo kafka;
    private final Duration progressInterval;
    private final Duration statusInterval;
    private final WebUi webUi;

    private JobSetup(
            Configuration configuration,
            Pipeline pipeline,
            WorkerPlan plan,
            TandemJob job,
            FileIo files,
            KafkaIo kafka,
            Duration progressInterval,
            Duration statusInterval,
            WebUi webUi) {
        this.configuration = configuration;
        this.pipeline = pipeline;
        this.plan = plan;
        this.job = job;
        this.files = files;
        this.kafka = kafka;
        this.progressInterval = progressInterval;
        this.statusInterval = statusInterval;
        this.webUi = webUi;
    }

    public static Builder builder(Configuration configuration) {
        return new Builder(configuration);
    }

    /**
     * The Flink configuration to run with: the given one, with generic types (Kryo) disabled and,
     * for a continuous job, checkpointing on.
     */
    public Configuration configuration() {
        return configuration;
    }

    public Pipeline pipeline() {
        return pipeline;
    }

    public WorkerPlan plan() {
        return plan;
    }

    public TandemJob job() {
        return job;
    }

    /** The input and output files; empty for a continuous (Kafka) job. */
    public Optional<FileIo> files() {
        return Optional.ofNullable(files);
    }

    /** The Kafka source and sink; empty for a bounded job on files. */
    public Optional<KafkaIo> kafka() {
        return Optional.ofNullable(kafka);
    }

    public Duration progressInterval() {
        return progressInterval;
    }

    /** How often a local continuous run logs its status line. */
    public Duration statusInterval() {
        return statusInterval;
    }

    /** The local run's web dashboard; a cluster serves its own. */
    public WebUi webUi() {
        return webUi;
    }

    /** Everything the options decided, one line each, for the job log and for tests. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("pipeline: ").append(pipeline).append('\n');
        text.append("workers: ").append(plan.describe()).append('\n');
        text.append("inference subtasks: ").append(job.gpuWorkers()).append('\n');
        text.append("operators: ").append(job.settings()).append('\n');
        text.append("slot resources: ").append(job.describeSlotResources()).append('\n');
        text.append("web UI: ").append(webUi.describe()).append('\n');
        if (files != null) {
            long records = files.inputs().expectedRecords();
            text.append("input: ")
                    .append(files.inputs().describe())
                    .append(", ")
                    .append(
                            records == Inputs.UNKNOWN_RECORDS
                                    ? "records counted by the source"
                                    : records + " records")
                    .append(", source parallelism ")
                    .append(files.inputs().parallelism())
                    .append('\n');
            if (files.noteNlp() != null) {
                text.append("output: ").append(files.noteNlp().describe()).append('\n');
            } else {
                text.append("output: ")
                        .append(files.output())
                        .append(" (")
                        .append(files.outputFormat().name().toLowerCase(Locale.ROOT))
                        .append(")\n");
            }
            if (files.parquetFolder() || files.noteNlp() != null) {
                text.append("checkpoint interval: ")
                        .append(
                                configuration
                                        .get(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                                        .toMillis())
                        .append(" ms\n");
            }
            if (files.noteNlp() == null) {
                text.append("dead letters: ").append(files.deadLetterOutput()).append('\n');
            }
            text.append("progress interval: ").append(progressInterval.toMillis()).append(" ms\n");
        } else {
            text.append(kafka.describe()).append('\n');
            text.append("status interval: ").append(statusInterval.toMillis()).append(" ms\n");
        }
        return text.toString();
    }

    /** Every {@code tandem.*} option, from {@link #OPTION_CLASSES}. */
    public static List<ConfigOption<?>> tandemOptions() {
        List<ConfigOption<?>> options = new ArrayList<>();
        for (Class<?> holder : OPTION_CLASSES) {
            for (Field field : holder.getFields()) {
                if (Modifier.isStatic(field.getModifiers())
                        && field.getType() == ConfigOption.class) {
                    try {
                        options.add((ConfigOption<?>) field.get(null));
                    } catch (IllegalAccessException e) {
                        throw new IllegalStateException(e);
                    }
                }
            }
        }
        return options;
    }

    /** {@code out.jsonl} gives {@code out.dead-letter.jsonl}, beside it. */
    public static Path deadLetterPathFor(Path output) {
        String name = output.getFileName().toString();
        String stem = name.endsWith(".jsonl") ? name.substring(0, name.length() - 6) : name;
        return output.resolveSibling(stem + ".dead-letter.jsonl");
    }

    /** Reads a configuration into a {@link JobSetup}. */
    public static final class Builder {
        private final Configuration configuration;
        private Pipeline pipeline;
        private CpuBudget cpuBudget;
        private GpuDetection gpus;
        private boolean submittedToCluster;
        private Map<String, String> environment;

        private Builder(Configuration configuration) {
            this.configuration = new Configuration(configuration);
        }

        /** A pipeline built in code, instead of {@code tandem.pipeline} or the bundled one. */
        public Builder pipeline(Pipeline pipeline) {
            this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
            return this;
        }

        /** The CPU budget; detected when not set. */
        public Builder cpuBudget(CpuBudget cpuBudget) {
            this.cpuBudget = cpuBudget;
            return this;
        }

        /** This host's GPUs; null (the default) when none are known, as on a cluster's client. */
        public Builder gpus(GpuDetection gpus) {
            this.gpus = gpus;
            return this;
        }

        /**
         * Submitted to a cluster, the job declares its slot resources unless {@code
         * tandem.slot-resources.declare} says otherwise: only a cluster's TaskManagers declare
         * GPUs.
         */
        public Builder submittedToCluster(boolean submittedToCluster) {
            this.submittedToCluster = submittedToCluster;
            return this;
        }

        /**
         * The process environment ({@value WorkerPlan#MAX_CPU_WORKERS_ENV}); the real one when not
         * set.
         */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * Reads and checks every option without creating anything.
         *
         * @return the setup, its output files not created
         * @throws IllegalArgumentException naming the first offending key, its value and what was
         *     expected
         */
        public JobSetup sanityCheck() {
            return resolve(false);
        }

        /**
         * The setup; creates (or truncates) the output files, so that an unwritable path fails
         * before the job starts.
         *
         * @throws IllegalArgumentException when {@link #sanityCheck()} fails
         */
        public JobSetup build() {
            return resolve(true);
        }

        private JobSetup resolve(boolean createOutputs) {
            Configuration effective = new Configuration(configuration);
            refuseUnknownKeys(effective.keySet());
            OptionReader options = new OptionReader(effective);
            boolean continuous = options.isSet(KafkaOptions.KAFKA_BOOTSTRAP);
            refuseKeysOfTheOtherMode(effective, continuous);

            Pipeline resolvedPipeline = pipeline != null ? pipeline : loadPipeline(options);
            WorkerPlan plan = workerPlan(options);
            int inferenceWorkers = resolvedPipeline.hasModel() ? plan.gpuWorkers() : 0;
            refuseCheckpointsTheJoinCannotTake(effective, options, inferenceWorkers);
            OperatorSettings settings = OperatorSettings.from(effective);
            if (submittedToCluster && !effective.contains(SlotResourceOptions.DECLARE)) {
                effective.set(
                        SlotResourceOptions.DECLARE,
                        inferenceWorkers > 0 && settings.device() != Device.CPU);
            }
            // Without inference subtasks, the CPU subtasks share the detected GPUs.
            List<Integer> devices =
                    inferenceWorkers > 0 || gpus == null ? plan.gpuDevices() : gpus.devices();
            TandemJob job =
                    new TandemJob(
                            effective,
                            resolvedPipeline,
                            plan.cpuWorkers(),
                            inferenceWorkers,
                            devices);
            Duration progressInterval =
                    options.duration(JobOptions.PROGRESS_INTERVAL, Duration.ofMillis(1));
            WebUi webUi = WebUi.from(options);
            // Every record type on Tandem's edges has a dedicated serializer; Kryo would be a bug.
            effective.set(PipelineOptions.GENERIC_TYPES, false);
            if (continuous) {
                effective.set(
                        CheckpointingOptions.CHECKPOINTING_INTERVAL,
                        options.isSet(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                                ? options.duration(
                                        CheckpointingOptions.CHECKPOINTING_INTERVAL,
                                        Duration.ofMillis(1))
                                : DEFAULT_KAFKA_CHECKPOINT_INTERVAL);
                refuseHangsLongerThanCheckpoints(options, resolvedPipeline, settings);
                return new JobSetup(
                        effective,
                        resolvedPipeline,
                        plan,
                        job,
                        null,
                        new KafkaIo(effective),
                        progressInterval,
                        options.duration(KafkaOptions.STATUS_INTERVAL, Duration.ofMillis(1)),
                        webUi);
            }
            FileIo files =
                    files(
                            options,
                            job.cpuWorkers(),
                            createOutputs,
                            environment != null ? environment : System.getenv());
            // The JDBC sink writes its last batch on checkpoints too; the position read in NOTE is
            // kept by them.
            if (files.parquetFolder() || files.noteNlp() != null) {
                effective.set(
                        CheckpointingOptions.CHECKPOINTING_INTERVAL,
                        options.isSet(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                                ? options.duration(
                                        CheckpointingOptions.CHECKPOINTING_INTERVAL,
                                        Duration.ofMillis(1))
                                : DEFAULT_PARQUET_CHECKPOINT_INTERVAL);
            }
            if (effective.getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL).isPresent()) {
                refuseHangsLongerThanCheckpoints(options, resolvedPipeline, settings);
            }
            return new JobSetup(
                    effective,
                    resolvedPipeline,
                    plan,
                    job,
                    files,
                    null,
                    progressInterval,
                    KafkaOptions.STATUS_INTERVAL.defaultValue(),
                    webUi);
        }

        /**
         * A batch whose documents hang holds the model stage, and the checkpoint barrier behind it,
         * for up to {@link io.tandem.batching.FaultTolerance#longestBatch}. Longer than the
         * checkpoint timeout, the checkpoint would fail, the job restart and meet the same document
         * again.
         */
        private static void refuseHangsLongerThanCheckpoints(
                OptionReader options, Pipeline pipeline, OperatorSettings settings) {
            if (!pipeline.hasModel()) {
                return;
            }
            Duration checkpointTimeout =
                    options.duration(
                            CheckpointingOptions.CHECKPOINTING_TIMEOUT, Duration.ofMillis(1));
            // A batch is cut from one chunk.
            int documents =
                    settings.batchSize().unit() == BatchSize.Unit.DOCS
                            ? Math.min(settings.batchSize().limit(), settings.chunkSize())
                            : settings.chunkSize();
            Duration longestBatch = settings.faultTolerance().longestBatch(documents);
            if (longestBatch.compareTo(checkpointTimeout) > 0) {
                throw new IllegalArgumentException(
                        CheckpointingOptions.CHECKPOINTING_TIMEOUT.key()
                                + ": "
                                + checkpointTimeout.toMillis()
                                + " ms is shorter than a batch of "
                                + documents
                                + " documents can take when they hang, "
                                + longestBatch.toMillis()
                                + " ms ("
                                + FaultToleranceOptions.FORWARD_TIMEOUT.key()
                                + " "
                                + settings.faultTolerance().forwardTimeout().toMillis()
                                + " ms, then up to "
                                + Bisection.extraAttemptBudget(documents)
                                + " splitting passes of at most "
                                + ForwardGuard.longestRetry(
                                                settings.faultTolerance().forwardTimeout(),
                                                settings.faultTolerance().forwardRetryTimeout())
                                        .toMillis()
                                + " ms each, "
                                + FaultToleranceOptions.FORWARD_RETRY_TIMEOUT.key()
                                + "); expected at least that: raise "
                                + CheckpointingOptions.CHECKPOINTING_TIMEOUT.key()
                                + ", or lower "
                                + FaultToleranceOptions.FORWARD_TIMEOUT.key()
                                + ", "
                                + FaultToleranceOptions.FORWARD_RETRY_TIMEOUT.key()
                                + " or "
                                + BatchingOptions.CHUNK_SIZE.key());
            }
        }

        private Pipeline loadPipeline(OptionReader options) {
            return options.parsed(
                    JobOptions.PIPELINE,
                    file -> {
                        if (file == null) {
                            return Pipeline.defaultPipeline();
                        }
                        if (!Files.isRegularFile(Path.of(file))) {
                            throw new IllegalArgumentException(
                                    "'"
                                            + file
                                            + "' does not exist; expected a pipeline"
                                            + " configuration, JSON or YAML");
                        }
                        return PipelineConfig.load(Path.of(file));
                    });
        }

        /**
         * The worker plan alone, from the worker keys.
         *
         * @throws IllegalArgumentException naming the offending key
         */
        public WorkerPlan plan() {
            Configuration effective = new Configuration(configuration);
            refuseUnknownKeys(effective.keySet());
            return workerPlan(new OptionReader(effective));
        }

        private WorkerPlan workerPlan(OptionReader options) {
            WorkerPlan.Builder plan = WorkerPlan.builder();
            if (cpuBudget != null) {
                plan.cpuBudget(cpuBudget);
            }
            if (gpus != null) {
                plan.detectedGpuDevices(gpus.devices());
            }
            if (environment != null) {
                plan.environment(environment);
            }
            options.optionalInt(
                            WorkerOptions.CPU_WORKERS,
                            Integer.MIN_VALUE,
                            "4, or -1 for all CPUs but one")
                    .ifPresent(plan::cpuWorkers);
            options.optionalInt(WorkerOptions.GPU_WORKERS, Integer.MIN_VALUE, "1")
                    .ifPresent(plan::gpuWorkers);
            options.intList(WorkerOptions.GPU_DEVICES, "0,1").ifPresent(plan::gpuDevices);
            return plan.build();
        }

        private static FileIo files(
                OptionReader options,
                int cpuWorkers,
                boolean create,
                Map<String, String> environment) {
            String jdbcProperties = options.string(JdbcOptions.PROPERTIES).orElse(null);
            String outputSpec =
                    options.string(JobOptions.OUTPUT)
                            .orElseThrow(
                                    () ->
                                            new IllegalArgumentException(
                                                    "Missing "
                                                            + JobOptions.OUTPUT.key()
                                                            + " (or "
                                                            + KafkaOptions.KAFKA_BOOTSTRAP.key()
                                                            + " with topics for a continuous job)"));
            NoteInput.Follow follow = follow(options, outputSpec);
            JdbcNoteNlpOutput noteNlp =
                    JdbcConnection.isJdbcUrl(outputSpec)
                            ? new JdbcNoteNlpOutput(
                                    JdbcConnection.of(outputSpec, jdbcProperties, environment),
                                    options.string(JdbcOptions.OUTPUT_TABLE).orElseThrow(),
                                    options.string(JdbcOptions.DEAD_LETTER_TABLE).orElseThrow(),
                                    options.intAtLeast(JdbcOptions.WRITE_BATCH_SIZE, 1, "1000"),
                                    options.enumValue(JdbcOptions.COMMIT, JdbcOptions.Commit.class))
                            : null;
            Path output = noteNlp != null ? null : Path.of(outputSpec);
            OutputFormat outputFormat =
                    options.enumValue(JobOptions.OUTPUT_FORMAT, OutputFormat.class);
            Path deadLetters =
                    noteNlp != null
                            ? null
                            : options.string(JobOptions.DEAD_LETTER_OUTPUT)
                                    .map(Path::of)
                                    .orElse(deadLetterPathFor(output));
            String inputSpec = options.string(JobOptions.INPUT).orElse("");
            if ((noteNlp != null || outputFormat == OutputFormat.OMOP)
                    && SampleCorpus.isSpec(inputSpec)) {
                // Its ids are sample-<i>: every note would be a dead letter of the OMOP output.
                throw new IllegalArgumentException(
                        JobOptions.INPUT.key()
                                + ": '"
                                + inputSpec
                                + "' is the bundled sample corpus, whose ids (sample-0, sample-1,"
                                + " ...) are not the integer note_ids NOTE_NLP needs: every note"
                                + " would be a dead letter; expected notes with integer ids (an"
                                + " OMOP NOTE export with "
                                + SourceOptions.INPUT_FORMAT.key()
                                + " omop, or a jdbc:postgresql:// NOTE table)");
            }
            InputFormat inputFormat =
                    options.isSet(SourceOptions.INPUT_FORMAT)
                            ? options.enumValue(SourceOptions.INPUT_FORMAT, InputFormat.class)
                            : null;
            String idColumn = column(options, SourceOptions.ID_COLUMN);
            String textColumn = column(options, SourceOptions.TEXT_COLUMN);
            Inputs inputs =
                    options.parsed(
                            JobOptions.INPUT,
                            spec -> {
                                if (JdbcConnection.isJdbcUrl(spec)) {
                                    return NoteInput.resolve(
                                            JdbcConnection.of(spec, jdbcProperties, environment),
                                            options.string(JdbcOptions.INPUT_TABLE).orElseThrow(),
                                            options.string(JdbcOptions.INPUT_QUERY).orElse(null),
                                            options.optionalInt(JdbcOptions.READ_SPLITS, 1, "16")
                                                    .orElse(null),
                                            cpuWorkers,
                                            follow,
                                            create);
                                }
                                try {
                                    return Inputs.resolve(
                                            spec, inputFormat, idColumn, textColumn, cpuWorkers);
                                } catch (IOException | UncheckedIOException e) {
                                    throw new IllegalArgumentException(
                                            "'" + spec + "' cannot be read: " + e.getMessage());
                                }
                            });
            if (noteNlp != null) {
                if (create) {
                    noteNlp.check();
                }
                return new FileIo(inputs, outputFormat, null, null, noteNlp);
            }
            if (outputFormat.parquetFolder(output)) {
                checkFolder(output, create, outputFormat);
            } else {
                checkWritable(JobOptions.OUTPUT, output, create);
            }
            checkWritable(JobOptions.DEAD_LETTER_OUTPUT, deadLetters, create);
            return new FileIo(inputs, outputFormat, output, deadLetters);
        }

        /**
         * The follow mode's settings, or null for a bounded read. Following needs NOTE in, and
         * NOTE_NLP out: its idempotent writes, committed on checkpoints, are what makes a range
         * read again after a restore harmless; a file output is written by a bounded run.
         */
        private static NoteInput.Follow follow(OptionReader options, String outputSpec) {
            if (!options.bool(JdbcOptions.FOLLOW)) {
                return null;
            }
            String input = options.string(JobOptions.INPUT).orElse("");
            if (!JdbcConnection.isJdbcUrl(input)) {
                throw new IllegalArgumentException(
                        JdbcOptions.FOLLOW.key()
                                + " follows an OMOP NOTE table; expected a jdbc:postgresql:// "
                                + JobOptions.INPUT.key()
                                + ", got '"
                                + input
                                + "'");
            }
            if (!JdbcConnection.isJdbcUrl(outputSpec)) {
                throw new IllegalArgumentException(
                        JdbcOptions.FOLLOW.key()
                                + " runs until cancelled, which only a NOTE_NLP output can;"
                                + " expected a jdbc:postgresql:// "
                                + JobOptions.OUTPUT.key()
                                + ", got '"
                                + outputSpec
                                + "' (a file output is for a bounded run)");
            }
            return new NoteInput.Follow(
                    options.duration(JdbcOptions.FOLLOW_INTERVAL, Duration.ofMillis(1)),
                    options.duration(JdbcOptions.FOLLOW_GAP_TIMEOUT, Duration.ZERO));
        }

        private static String column(OptionReader options, ConfigOption<String> option) {
            return options.string(option)
                    .orElseThrow(
                            () ->
                                    OptionReader.invalid(
                                            option,
                                            "",
                                            "a column name",
                                            "e.g. " + option.defaultValue()));
        }

        /** With {@code create}, creates the folder of Parquet part files. */
        private static void checkFolder(Path folder, boolean create, OutputFormat format) {
            String prefix = JobOptions.OUTPUT.key() + ": '" + folder + "' ";
            if (Files.isRegularFile(folder)) {
                throw new IllegalArgumentException(
                        prefix
                                + "is a file; expected a folder for Parquet part files ("
                                + JobOptions.OUTPUT_FORMAT.key()
                                + " "
                                + format.name().toLowerCase(Locale.ROOT)
                                + (format == OutputFormat.OMOP
                                        ? "; a name ending in .jsonl writes JSON Lines"
                                        : "")
                                + ")");
            }
            Path parent = folder.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException(
                        prefix + "cannot be created: folder " + parent + " does not exist");
            }
            if (create) {
                try {
                    Files.createDirectories(folder);
                } catch (IOException e) {
                    throw new IllegalArgumentException(
                            prefix + "cannot be created: " + e.getMessage());
                }
            }
        }

        /** With {@code create}, creates (or truncates) the file. */
        private static void checkWritable(ConfigOption<String> option, Path file, boolean create) {
            String prefix = option.key() + ": '" + file + "' ";
            if (Files.isDirectory(file)) {
                throw new IllegalArgumentException(prefix + "is a directory; expected a file");
            }
            Path parent = file.toAbsolutePath().getParent();
            if (parent == null || !Files.isDirectory(parent)) {
                throw new IllegalArgumentException(
                        prefix + "cannot be written: folder " + parent + " does not exist");
            }
            if (create) {
                try (OutputStream ignored = Files.newOutputStream(file)) {
                    // created
                } catch (IOException e) {
                    throw new IllegalArgumentException(
                            prefix + "cannot be written: " + e.getMessage());
                }
            }
        }

        /**
         * The split layout's postprocess join holds nothing at a checkpoint only because barriers
         * are aligned (docs/ARCHITECTURE.md, Checkpoints): at-least-once barriers are not aligned,
         * and unaligned checkpoints overtake batches in flight, so either makes every checkpoint
         * fail in the join. The in-place layout (no inference subtasks) has no join and takes both.
         */
        private static void refuseCheckpointsTheJoinCannotTake(
                Configuration config, OptionReader options, int inferenceWorkers) {
            // Read in either layout, so that a bad value fails here rather than in Flink.
            CheckpointingMode mode =
                    options.enumValue(
                            CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                            CheckpointingMode.class);
            List<String> unaligned = new ArrayList<>();
            for (ConfigOption<Boolean> option :
                    List.of(
                            CheckpointingOptions.ENABLE_UNALIGNED,
                            CheckpointingOptions.FORCE_UNALIGNED)) {
                keySetToTrue(config, option).ifPresent(unaligned::add);
            }
            if (inferenceWorkers == 0) {
                return;
            }
            String why =
                    " with inference subtasks ("
                            + WorkerOptions.GPU_WORKERS.key()
                            + " "
                            + inferenceWorkers
                            + "): the postprocess join needs aligned barriers, or every checkpoint"
                            + " finds batches in flight and fails ("
                            + WorkerOptions.GPU_WORKERS.key()
                            + " 0 runs the model in place, which takes it)";
            if (mode != CheckpointingMode.EXACTLY_ONCE) {
                throw new IllegalArgumentException(
                        CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE.key()
                                + ": '"
                                + mode
                                + "' is not supported; expected EXACTLY_ONCE"
                                + why);
            }
            if (!unaligned.isEmpty()) {
                throw new IllegalArgumentException(
                        unaligned.get(0)
                                + ": 'true' is not supported; expected false (aligned"
                                + " checkpoints)"
                                + why);
            }
        }

        /**
         * The key that sets the boolean {@code option} to true: its own, or a deprecated one Flink
         * still reads (the first one set decides, as in Flink). Read from the map, so that Flink
         * does not warn of a deprecated key on a run that is refused anyway.
         */
        private static Optional<String> keySetToTrue(
                Configuration config, ConfigOption<Boolean> option) {
            Map<String, String> values = config.toMap();
            List<String> keys = new ArrayList<>(List.of(option.key()));
            option.fallbackKeys().forEach(fallback -> keys.add(fallback.getKey()));
            for (String key : keys) {
                String value = values.get(key);
                if (value != null) {
                    return switch (value.strip().toLowerCase(Locale.ROOT)) {
                        case "true" -> Optional.of(key);
                        case "false" -> Optional.empty();
                        default ->
                                throw new IllegalArgumentException(
                                        key
                                                + ": '"
                                                + value
                                                + "' is not a boolean; expected true or false");
                    };
                }
            }
            return Optional.empty();
        }

        /** A misspelt key would otherwise be ignored without a word. */
        private static void refuseUnknownKeys(Set<String> keys) {
            Set<String> known =
                    tandemOptions().stream().map(ConfigOption::key).collect(Collectors.toSet());
            for (String key : keys) {
                if (key.startsWith(KEY_PREFIX) && !known.contains(key)) {
                    String closest =
                            known.stream()
                                    .min(Comparator.comparingInt(k -> editDistance(k, key)))
                                    .orElseThrow();
                    throw new IllegalArgumentException(
                            key + ": unknown key; did you mean " + closest + "?");
                }
            }
        }

        private static void refuseKeysOfTheOtherMode(Configuration config, boolean continuous) {
            if (continuous) {
                for (ConfigOption<?> fileOption :
                        List.<ConfigOption<?>>of(
                                JobOptions.INPUT,
                                JobOptions.OUTPUT,
                                JobOptions.OUTPUT_FORMAT,
                                JobOptions.DEAD_LETTER_OUTPUT,
                                SourceOptions.INPUT_FORMAT,
                                SourceOptions.ID_COLUMN,
                                SourceOptions.TEXT_COLUMN)) {
                    if (config.contains(fileOption)) {
                        throw new IllegalArgumentException(
                                fileOption.key()
                                        + " is for files; Kafka mode reads "
                                        + KafkaOptions.INPUT_TOPIC.key()
                                        + " and writes "
                                        + KafkaOptions.OUTPUT_TOPIC.key());
                    }
                }
                if (config.contains(JdbcOptions.FOLLOW)) {
                    throw new IllegalArgumentException(
                            JdbcOptions.FOLLOW.key()
                                    + " follows an OMOP NOTE table; Kafka mode follows "
                                    + KafkaOptions.INPUT_TOPIC.key()
                                    + " already");
                }
                return;
            }
            for (String key : config.keySet()) {
                if (key.startsWith(KAFKA_KEY_PREFIX)) {
                    throw new IllegalArgumentException(
                            key
                                    + " is for Kafka mode, which needs "
                                    + KafkaOptions.KAFKA_BOOTSTRAP.key()
                                    + " too");
                }
            }
        }

        private static int editDistance(String a, String b) {
            int[] previous = new int[b.length() + 1];
            int[] current = new int[b.length() + 1];
            for (int j = 0; j <= b.length(); j++) {
                previous[j] = j;
            }
            for (int i = 1; i <= a.length(); i++) {
                current[0] = i;
                for (int j = 1; j <= b.length(); j++) {
                    int substitution = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                    current[j] =
                            Math.min(
                                    previous[j - 1] + substitution,
                                    Math.min(previous[j], current[j - 1]) + 1);
                }
                int[] swap = previous;
                previous = current;
                current = swap;
            }
            return previous[b.length()];
        }
    }
}
