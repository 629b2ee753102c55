package io.tandem.job.cli;

import io.tandem.batching.BatchingOptions;
import io.tandem.inference.GpuDetection;
import io.tandem.inference.InferenceOptions;
import io.tandem.job.Inputs;
import io.tandem.job.JobOptions;
import io.tandem.job.JobSetup;
import io.tandem.job.LocalClusters;
import io.tandem.job.NoteNlpOutput;
import io.tandem.job.OutputFormat;
import io.tandem.job.TandemJob;
import io.tandem.job.WebUi;
import io.tandem.job.WebUiOptions;
import io.tandem.job.jdbc.JdbcNoteNlpOutput;
import io.tandem.job.jdbc.JdbcOptions;
import io.tandem.job.jdbc.NoteNlpWrite;
import io.tandem.job.kafka.KafkaIo;
import io.tandem.job.kafka.KafkaOptions;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.job.sink.LocalProgress;
import io.tandem.job.sink.NoteNlpLines;
import io.tandem.job.sink.ParquetDocs;
import io.tandem.job.sink.ParquetNoteNlp;
import io.tandem.job.sink.ResultLines;
import io.tandem.omop.NoteNlpRows;
import io.tandem.parse.ParseOptions;
import io.tandem.plan.CpuBudget;
import io.tandem.plan.WorkerOptions;
import io.tandem.plan.WorkerPlan;
import io.tandem.source.FileInputSource;
import io.tandem.source.SourceOptions;
import java.net.URI;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.connector.jdbc.core.datastream.source.JdbcSource;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code tandem run}: runs the pipeline on a bounded input, on a local MiniCluster when started
 * with {@code java -jar}, or on the cluster when Flink submits the jar ({@code flink run}, the REST
 * API, application mode). File paths must then be visible at the same place to the JobManager and
 * every TaskManager.
 *
 * <p>Each flag only stands for a configuration key ({@link #FLAG_KEYS}); {@code -D key=value} sets
 * any key. {@link JobSetup} reads them all, and its messages name keys: a key the user gave as a
 * flag (or did not give) is named by its flag instead.
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

    /** The key each flag sets; flags override {@code -D} values of the same key. */
    static final Map<String, ConfigOption<?>> FLAG_KEYS = flagKeys();

    @Spec CommandSpec spec;

    @Option(
            names = "--input",
            paramLabel = "<file|folder|glob|sample:N|jdbc:postgresql://...>",
            description =
                    "Input: a .jsonl, .jsonl.gz or .parquet file, a folder or a glob of them,"
                            + " sample:N generated documents, or an OMOP NOTE table over JDBC"
                            + " (default: "
                            + JobOptions.DEFAULT_INPUT
                            + ").")
    String input;

    @Option(
            names = "--input-format",
            paramLabel = "jsonl|parquet|omop",
            description =
                    "Format of every input file (default: told by each file's extension); omop:"
                            + " OMOP NOTE rows, note_id and note_text, in .jsonl or .parquet"
                            + " files.")
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
            names = "--input-table",
            paramLabel = "T",
            description = "jdbc: input: the OMOP NOTE table to read (default: note).")
    String inputTable;

    @Option(
            names = "--input-query",
            paramLabel = "SQL",
            description =
                    "jdbc: input: a query returning note_id and note_text, read instead of the"
                            + " table.")
    String inputQuery;

    @Option(
            names = "--follow",
            description =
                    "jdbc: input to a jdbc: output: keep reading, notes inserted while the job"
                            + " runs are read too; runs until cancelled.")
    boolean follow;

    @Option(
            names = "--follow-interval",
            paramLabel = "<duration>",
            description = "--follow: how often NOTE is polled for new note_ids (default: 1s).")
    String followInterval;

    @Option(
            names = "--jdbc-properties",
            paramLabel = "<file>",
            description =
                    "jdbc: input or output: connection properties (user, password, ssl...); never"
                            + " logged. Default: TANDEM_JDBC_USER/TANDEM_JDBC_PASSWORD, else"
                            + " PGUSER/PGPASSWORD.")
    String jdbcProperties;

    @Option(
            names = "--jdbc-commit",
            paramLabel = "idempotent|xa",
            description =
                    "jdbc: output: how NOTE_NLP commits exactly once (default: idempotent; xa"
                            + " needs PostgreSQL's max_prepared_transactions above 0).")
    String jdbcCommit;

    @Option(
            names = "--output",
            paramLabel = "<file.jsonl|folder|jdbc:postgresql://...>",
            description =
                    "Output JSON Lines file, the folder of part files with --output-format"
                            + " parquet, or OMOP NOTE_NLP over JDBC.")
    String output;

    @Option(
            names = "--output-format",
            paramLabel = "jsonl|parquet|omop",
            description =
                    "jsonl: --output is one JSON Lines file; parquet: --output is a folder of"
                            + " Parquet part files; omop: OMOP NOTE_NLP rows, JSON Lines if"
                            + " --output ends in .jsonl, else Parquet part files (default:"
                            + " jsonl).")
    String outputFormat;

    @Option(
            names = "--dead-letter",
            paramLabel = "<file.jsonl>",
            description =
                    "Dead-letter JSON Lines file (default: beside the output, <name>.dead-letter.jsonl).")
    String deadLetter;

    @Option(
            names = "--pipeline",
            paramLabel = "<config>",
            description = "Pipeline configuration, JSON or YAML (default: the bundled pipeline).")
    String pipelineConfig;

    @Option(
            names = "--cpu-workers",
            paramLabel = "N",
            description = "CPU task set parallelism; negative N means all CPUs but N.")
    String cpuWorkers;

    @Option(
            names = "--gpu-workers",
            paramLabel = "N",
            description =
                    "Inference subtasks; 0 runs the model in the CPU subtasks (default: one per GPU).")
    String gpuWorkers;

    @Option(
            names = "--gpu-devices",
            paramLabel = "I,J",
            description =
                    "GPU indices to bind, one inference subtask each (when the cluster declares none).")
    String gpuDevices;

    @Option(
            names = "--device",
            paramLabel = "auto|cpu|cuda",
            description = "Where forward passes run (default: auto).")
    String device;

    @Option(
            names = "--batch-size",
            paramLabel = "<N docs|words|padded_words>",
            description =
                    "Batch size expression (default: 8000 padded_words; 1024 padded_words when"
                            + " the CPU subtasks run the model).")
    String batchSize;

    @Option(
            names = "--chunk-size",
            paramLabel = "N",
            description = "Documents sorted together before batching (default: 256).")
    String chunkSize;

    @Option(
            names = "--max-batch-delay",
            paramLabel = "<duration>",
            description = "Longest wait for a batch to fill, e.g. 50ms (default: 100ms).")
    String maxBatchDelay;

    @Option(
            names = "--intra-op-threads",
            paramLabel = "N",
            description = "ONNX Runtime threads per session (default: 1).")
    String intraOpThreads;

    @Option(
            names = "--deterministic",
            negatable = true,
            description = "Keep input order in the output (default: true).")
    Boolean deterministic;

    @Option(
            names = "--max-text-chars",
            paramLabel = "N",
            description = "Texts longer than this go to the dead-letter output (default: 1000000).")
    String maxTextChars;

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
    String kafkaProperties;

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

    @Option(
            names = "--web-ui",
            arity = "0..1",
            fallbackValue = "" + WebUiOptions.DEFAULT_PORT,
            paramLabel = "PORT",
            description =
                    "Serve Flink's web dashboard of the local run on PORT (default 8081; 0: any"
                            + " free port) and print its URL.")
    String webUiPort;

    @Option(
            names = "--web-ui-bind",
            paramLabel = "ADDRESS",
            description = "Address the dashboard listens on (default: 127.0.0.1, this host only).")
    String webUiBind;

    @Option(
            names = "--web-ui-linger",
            paramLabel = "<duration>",
            description = "Keep the dashboard up this long after the job ends, e.g. 5min.")
    String webUiLinger;

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
        // On a cluster this main runs in the client or the JobManager, whose GPUs are not the
        // TaskManagers': there the TaskManagers declare theirs (external resources).
        GpuDetection gpus = onCluster ? null : GpuDetection.detect();
        JobSetup setup;
        try {
            setup = setup(gpus);
            if (setup.kafka().isPresent()) {
                setup.kafka().get().checkTransactionTimeout(setup.configuration());
            }
        } catch (TandemCli.UsageException | IllegalArgumentException badUsage) {
            // Bad usage prints its one error line and nothing else.
            if (gpus != null) {
                LOG.debug("{}", gpuLogLine(gpus));
            }
            throw badUsage instanceof TandemCli.UsageException
                    ? badUsage
                    : new TandemCli.UsageException(inFlagTerms(badUsage.getMessage()));
        }
        if (gpus != null) {
            LOG.info("{}", gpuLogLine(gpus));
        }
        LOG.info("Worker plan: {}", setup.plan().describe());
        if (setup.job().gpuWorkers() > 0) {
            LOG.info("Slot resources: {}", setup.job().describeSlotResources());
        }
        if (setup.kafka().isPresent()) {
            return runKafka(setup, setup.kafka().get());
        }
        return runFiles(setup);
    }

    /**
     * The setup the flags and {@code -D} options describe (its output files created).
     *
     * @param gpus this host's GPUs; null when submitted to a cluster, whose TaskManagers declare
     *     theirs
     * @throws TandemCli.UsageException with the problem in the user's terms
     */
    JobSetup setup(GpuDetection gpus) {
        try {
            return JobSetup.builder(configuration())
                    .gpus(gpus)
                    .submittedToCluster(onCluster)
                    .build();
        } catch (IllegalArgumentException e) {
            throw new TandemCli.UsageException(inFlagTerms(e.getMessage()));
        }
    }

    /** The {@code -D} options, overridden by the flags given. */
    Configuration configuration() {
        Configuration configuration = Configuration.fromMap(flinkOptions);
        for (OptionSpec option : spec.options()) {
            ConfigOption<?> key = FLAG_KEYS.get(option.longestName());
            if (key != null && spec.commandLine().getParseResult().hasMatchedOption(option)) {
                configuration.setString(key.key(), String.valueOf((Object) option.getValue()));
            }
        }
        return configuration;
    }

    /**
     * Names each key in {@code message} by its flag, unless the user set that key with {@code -D}:
     * the message then speaks of what the user typed.
     */
    String inFlagTerms(String message) {
        String translated = message;
        for (Map.Entry<String, ConfigOption<?>> flag :
                FLAG_KEYS.entrySet().stream()
                        .sorted(
                                Comparator.comparingInt(
                                                (Map.Entry<String, ConfigOption<?>> e) ->
                                                        e.getValue().key().length())
                                        .reversed())
                        .toList()) {
            String key = flag.getValue().key();
            if (!flinkOptions.containsKey(key)) {
                translated =
                        Pattern.compile("(?<![\\w.-])" + Pattern.quote(key) + "(?![\\w-]|\\.\\w)")
                                .matcher(translated)
                                .replaceAll(Matcher.quoteReplacement(flag.getKey()));
            }
        }
        return translated;
    }

    private static Map<String, ConfigOption<?>> flagKeys() {
        Map<String, ConfigOption<?>> keys = new LinkedHashMap<>();
        keys.put("--input", JobOptions.INPUT);
        keys.put("--input-format", SourceOptions.INPUT_FORMAT);
        keys.put("--id-column", SourceOptions.ID_COLUMN);
        keys.put("--text-column", SourceOptions.TEXT_COLUMN);
        keys.put("--input-table", JdbcOptions.INPUT_TABLE);
        keys.put("--input-query", JdbcOptions.INPUT_QUERY);
        keys.put("--jdbc-properties", JdbcOptions.PROPERTIES);
        keys.put("--follow", JdbcOptions.FOLLOW);
        keys.put("--follow-interval", JdbcOptions.FOLLOW_INTERVAL);
        keys.put("--jdbc-commit", JdbcOptions.COMMIT);
        keys.put("--output", JobOptions.OUTPUT);
        keys.put("--output-format", JobOptions.OUTPUT_FORMAT);
        keys.put("--dead-letter", JobOptions.DEAD_LETTER_OUTPUT);
        keys.put("--pipeline", JobOptions.PIPELINE);
        keys.put("--cpu-workers", WorkerOptions.CPU_WORKERS);
        keys.put("--gpu-workers", WorkerOptions.GPU_WORKERS);
        keys.put("--gpu-devices", WorkerOptions.GPU_DEVICES);
        keys.put("--device", InferenceOptions.DEVICE);
        keys.put("--batch-size", BatchingOptions.BATCH_SIZE);
        keys.put("--chunk-size", BatchingOptions.CHUNK_SIZE);
        keys.put("--max-batch-delay", BatchingOptions.MAX_BATCH_DELAY);
        keys.put("--intra-op-threads", InferenceOptions.INTRA_OP_THREADS);
        keys.put("--deterministic", BatchingOptions.DETERMINISTIC);
        keys.put("--max-text-chars", ParseOptions.MAX_TEXT_CHARS);
        keys.put("--kafka-bootstrap", KafkaOptions.KAFKA_BOOTSTRAP);
        keys.put("--input-topic", KafkaOptions.INPUT_TOPIC);
        keys.put("--output-topic", KafkaOptions.OUTPUT_TOPIC);
        keys.put("--dlq-topic", KafkaOptions.DLQ_TOPIC);
        keys.put("--group-id", KafkaOptions.GROUP_ID);
        keys.put("--starting-offsets", KafkaOptions.STARTING_OFFSETS);
        keys.put("--kafka-properties", KafkaOptions.KAFKA_PROPERTIES);
        keys.put("--delivery", KafkaOptions.DELIVERY);
        keys.put("--checkpoint-interval", CheckpointingOptions.CHECKPOINTING_INTERVAL);
        keys.put("--transactional-id-prefix", KafkaOptions.TRANSACTIONAL_ID_PREFIX);
        keys.put("--stop-at-latest-offsets", KafkaOptions.STOP_AT_LATEST_OFFSETS);
        keys.put("--web-ui", WebUiOptions.PORT);
        keys.put("--web-ui-bind", WebUiOptions.BIND);
        keys.put("--web-ui-linger", WebUiOptions.LINGER);
        return Map.copyOf(keys);
    }

    private int runFiles(JobSetup setup) throws Exception {
        Configuration options = setup.configuration();
        TandemJob job = setup.job();
        JobSetup.FileIo files = setup.files().orElseThrow();
        Inputs inputs = files.inputs();
        JdbcNoteNlpOutput noteNlpTables = files.noteNlp();
        boolean parquet = files.parquetFolder();
        boolean omop = files.outputFormat() == OutputFormat.OMOP || noteNlpTables != null;
        NoteNlpRows noteNlp = omop ? NoteNlpOutput.rows(options, job) : null;
        // The progress display counts the lines of the JSON Lines sink; Parquet and JDBC have none.
        String progressKey = parquet || noteNlpTables != null ? null : "run-" + UUID.randomUUID();
        if (!onCluster) {
            // The local MiniCluster gets exactly the slots the job needs; a cluster has its own.
            options.set(
                    TaskManagerOptions.NUM_TASK_SLOTS,
                    Math.max(job.cpuWorkers(), inputs.parallelism()) + job.gpuWorkers() + 1);
        }
        try (LocalClusters clusters = new LocalClusters(setup.webUi())) {
            StreamExecutionEnvironment env = clusters.environment(options);
            if (noteNlpTables != null) {
                LOG.info("Input: {}; output: {}", inputs.describe(), noteNlpTables.describe());
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        NoteNlpWrite.of(noteNlp),
                        NoteNlpWrite.TYPE,
                        noteNlpTables.sink(),
                        JdbcNoteNlpOutput.WRITERS);
            } else if (parquet && omop) {
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        ParquetNoteNlp.sink(files.output(), noteNlp),
                        JsonLinesFileSink.deadLettersOnly(
                                files.deadLetterOutput(), null, new NoteNlpLines(noteNlp)),
                        noteNlp::checkNoteId);
            } else if (parquet) {
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        ParquetDocs.sink(files.output()),
                        JsonLinesFileSink.deadLettersOnly(files.deadLetterOutput(), null));
            } else {
                job.attach(
                        env,
                        inputs.source(),
                        inputs.parallelism(),
                        new JsonLinesFileSink(
                                files.output(),
                                files.deadLetterOutput(),
                                // The sink orders lines by a gapless 0-based sequence; note_ids
                                // have gaps, so lines from NOTE come as their notes finish.
                                job.settings().deterministic()
                                        && !(inputs.source() instanceof JdbcSource),
                                progressKey,
                                omop
                                        ? new NoteNlpLines(noteNlp)
                                        : ResultLines.json(setup.pipeline().outputSentences())));
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
                announceWebUi(setup.webUi(), clusters, env, client);
                boolean showProgress =
                        progressKey != null
                                && !noProgress
                                && System.console() != null
                                && clusters.isLocal(env);
                try (ProgressDisplay progress =
                        showProgress
                                ? new ProgressDisplay(
                                        LocalProgress.counter(progressKey),
                                        LocalProgress.deadLetters(progressKey),
                                        inputs.source() instanceof FileInputSource fileSource
                                                ? fileSource::countedRecords
                                                : inputs::expectedRecords,
                                        System.err,
                                        setup.progressInterval())
                                : null) {
                    client.getJobExecutionResult().get();
                }
                announceLinger(setup.webUi(), clusters, env);
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
    private int runKafka(JobSetup setup, KafkaIo kafka) throws Exception {
        Configuration options = setup.configuration();
        TandemJob job = setup.job();
        WebUi webUi = setup.webUi();
        LOG.info("{}", kafka.describe());
        if (!onCluster) {
            options.set(TaskManagerOptions.NUM_TASK_SLOTS, job.cpuWorkers() + job.gpuWorkers() + 1);
        }
        // Off a terminal (a service's log), a local run logs a status line every interval.
        LocalMetrics metrics =
                !onCluster && !noProgress && System.console() == null
                        ? LocalMetrics.register("run-" + UUID.randomUUID(), options)
                        : null;
        try (LocalClusters clusters = new LocalClusters(webUi)) {
            StreamExecutionEnvironment env = clusters.environment(options);
            job.attachKafka(env, kafka.source(), kafka.sink(setup.pipeline().outputSentences()));
            String name = "tandem: " + kafka.inputTopic() + " -> " + kafka.outputTopic();
            JobClient client = env.executeAsync(name);
            LOG.info("Submitted {} as job {}", name, client.getJobID());
            announceWebUi(webUi, clusters, env, client);
            // A bounded backfill, or a local MiniCluster that dies with this JVM, is waited for; an
            // unbounded job submitted to a cluster keeps running after the client returns.
            if (clusters.isLocal(env) || kafka.stopsAtLatestOffsets()) {
                try (KafkaStatus status =
                        metrics != null && clusters.isLocal(env)
                                ? new KafkaStatus(metrics, LOG::info, setup.statusInterval())
                                : null) {
                    client.getJobExecutionResult().get();
                }
            }
        } finally {
            if (metrics != null) {
                metrics.release();
            }
        }
        return 0;
    }

    /** Prints the dashboard's job page, when the run serves one. */
    private void announceWebUi(
            WebUi webUi, LocalClusters clusters, StreamExecutionEnvironment env, JobClient client)
            throws Exception {
        if (!webUi.enabled()) {
            return;
        }
        if (!clusters.isLocal(env)) {
            LOG.warn(
                    "--web-ui serves a local run only; the cluster's own dashboard shows this job");
            return;
        }
        URI base = clusters.restAddress().orElseThrow();
        spec.commandLine()
                .getOut()
                .println("Flink dashboard: " + WebUi.jobPage(base, client.getJobID()));
        spec.commandLine().getOut().flush();
    }

    private void announceLinger(WebUi webUi, LocalClusters clusters, StreamExecutionEnvironment env)
            throws Exception {
        if (webUi.enabled() && clusters.isLocal(env) && !webUi.linger().isZero()) {
            spec.commandLine()
                    .getOut()
                    .println(
                            "Job finished; the dashboard at "
                                    + clusters.restAddress().orElseThrow()
                                    + " stays up for "
                                    + webUi.linger().toSeconds()
                                    + " s");
            spec.commandLine().getOut().flush();
        }
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
        JobSetup.Builder setup = JobSetup.builder(options).gpus(gpus);
        if (budget != null) {
            setup.cpuBudget(budget);
        }
        return setup.plan();
    }
}
