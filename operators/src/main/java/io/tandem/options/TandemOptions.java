package io.tandem.options;

import io.tandem.inference.Device;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Every Tandem option, settable from the command line (which writes them into the job's Flink
 * configuration) or directly in a Flink configuration file as {@code tandem.*} keys.
 */
public final class TandemOptions {
    private TandemOptions() {}

    public static final String DEFAULT_INPUT = "sample:1000";

    public static final ConfigOption<String> INPUT =
            ConfigOptions.key("tandem.input")
                    .stringType()
                    .defaultValue(DEFAULT_INPUT)
                    .withDescription(
                            "Bounded input: a JSON Lines file path, or 'sample:N' for N documents"
                                    + " of the bundled synthetic clinical corpus.");

    public static final ConfigOption<String> OUTPUT =
            ConfigOptions.key("tandem.output")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Output JSON Lines file, one processed document per line.");

    public static final ConfigOption<String> DEAD_LETTER_OUTPUT =
            ConfigOptions.key("tandem.dead-letter-output")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Dead-letter JSON Lines file. Default: beside the output, 'out.jsonl'"
                                    + " gives 'out.dead-letter.jsonl'.");

    public static final ConfigOption<String> PIPELINE =
            ConfigOptions.key("tandem.pipeline")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Pipeline configuration (JSON or YAML file). Default: the bundled"
                                    + " default pipeline.");

    public static final ConfigOption<Integer> CPU_WORKERS =
            ConfigOptions.key("tandem.cpu-workers")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Parallelism of the CPU task set. Negative N means all CPUs but N."
                                    + " Default: derived from the CPU budget, as edsnlp does.");

    public static final ConfigOption<Boolean> DETERMINISTIC =
            ConfigOptions.key("tandem.deterministic")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Keep output order equal to input order (bounded inputs: global"
                                    + " order; streams: per source partition). False emits each"
                                    + " document as soon as it is done.");

    public static final ConfigOption<Integer> MAX_TEXT_CHARS =
            ConfigOptions.key("tandem.max-text-chars")
                    .intType()
                    .defaultValue(1_000_000)
                    .withDescription(
                            "Documents whose text is longer go to the dead-letter output.");

    public static final ConfigOption<Integer> DEAD_LETTER_MAX_RAW_BYTES =
            ConfigOptions.key("tandem.dead-letter.max-raw-bytes")
                    .intType()
                    .defaultValue(1024)
                    .withDescription(
                            "How many bytes of a rejected record's raw value the dead letter keeps.");

    public static final ConfigOption<Duration> PROGRESS_INTERVAL =
            ConfigOptions.key("tandem.progress.interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(500))
                    .withDescription("Refresh interval of the console progress display.");

    public static final ConfigOption<Integer> GPU_WORKERS =
            ConfigOptions.key("tandem.gpu-workers")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Inference subtasks (one per GPU slot). 0 runs the forward pass in the"
                                    + " CPU subtasks. With no GPU present, N > 0 runs N inference"
                                    + " subtasks on the CPU execution provider. Default: one per"
                                    + " GPU device, at most half the CPUs.");

    public static final ConfigOption<List<Integer>> GPU_DEVICES =
            ConfigOptions.key("tandem.gpu-devices")
                    .intType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "GPU indices to bind when the cluster declares no GPUs through"
                                    + " external resources (e.g. 0;1, or --gpu-devices 0,1).");

    public static final ConfigOption<Device> DEVICE =
            ConfigOptions.key("tandem.device")
                    .enumType(Device.class)
                    .defaultValue(Device.AUTO)
                    .withDescription(
                            "Where forward passes run: AUTO (CUDA on the bound GPU, else CPU with"
                                    + " one log line), CPU, or CUDA (fail if unavailable).");

    public static final ConfigOption<String> BATCH_SIZE =
            ConfigOptions.key("tandem.batch-size")
                    .stringType()
                    .defaultValue("8000 padded_words")
                    .withDescription(
                            "Batch size as edsnlp writes it: '32 docs', '2000 words' or '8000"
                                    + " padded_words' (longest document x documents).");

    public static final ConfigOption<Integer> CHUNK_SIZE =
            ConfigOptions.key("tandem.chunk-size")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Documents sorted by length together before being cut into batches.");

    public static final ConfigOption<Duration> MAX_BATCH_DELAY =
            ConfigOptions.key("tandem.max-batch-delay")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "Longest time a document waits for its chunk to fill before the"
                                    + " partial chunk is batched, so slow streams never stall.");

    public static final ConfigOption<Integer> BATCHES_IN_FLIGHT_PER_LINK =
            ConfigOptions.key("tandem.batches-in-flight-per-link")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Cap on batches awaiting outputs, per producer-consumer link of the"
                                    + " dispatch schedule (edsnlp's semaphore allows 2).");

    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("tandem.intra-op-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "ONNX Runtime intra-op threads per session on the CPU (0 lets the"
                                    + " runtime choose).");

    // ---- Kafka ---------------------------------------------------------------------------

    /** What the Kafka sink promises. */
    public enum Delivery {
        EXACTLY_ONCE,
        AT_LEAST_ONCE,
        NONE
    }

    /** Where a Kafka source starts when the job has no checkpoint to resume from. */
    public enum StartingOffsets {
        EARLIEST,
        LATEST,
        COMMITTED
    }

    public static final ConfigOption<String> KAFKA_BOOTSTRAP =
            ConfigOptions.key("tandem.kafka.bootstrap")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka bootstrap servers (HOST:PORT,...). When set, the job reads"
                                    + " the input topic and writes the output topic instead of"
                                    + " files.");

    public static final ConfigOption<String> INPUT_TOPIC =
            ConfigOptions.key("tandem.kafka.input-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Topic of input documents (JSON values, key optional).");

    public static final ConfigOption<String> OUTPUT_TOPIC =
            ConfigOptions.key("tandem.kafka.output-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Topic of processed documents, keyed by document id.");

    public static final ConfigOption<String> DLQ_TOPIC =
            ConfigOptions.key("tandem.kafka.dlq-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Dead-letter topic. Default: the output topic followed by '-dlq'.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("tandem.kafka.group-id")
                    .stringType()
                    .defaultValue("tandem")
                    .withDescription("Consumer group id of the Kafka source.");

    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS =
            ConfigOptions.key("tandem.kafka.starting-offsets")
                    .enumType(StartingOffsets.class)
                    .defaultValue(StartingOffsets.COMMITTED)
                    .withDescription(
                            "EARLIEST, LATEST, or COMMITTED (the group's committed offsets,"
                                    + " earliest where none).");

    public static final ConfigOption<Boolean> STOP_AT_LATEST_OFFSETS =
            ConfigOptions.key("tandem.kafka.stop-at-latest-offsets")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Read up to the offsets that are latest at start, then finish (a"
                                    + " bounded backfill) instead of running forever.");

    public static final ConfigOption<String> KAFKA_PROPERTIES =
            ConfigOptions.key("tandem.kafka.properties-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Properties file (security settings such as SASL/SSL) applied to"
                                    + " the source and the sink alike. Its values never appear in"
                                    + " logs, the job name or the printed plan.");

    public static final ConfigOption<Delivery> DELIVERY =
            ConfigOptions.key("tandem.kafka.delivery")
                    .enumType(Delivery.class)
                    .defaultValue(Delivery.EXACTLY_ONCE)
                    .withDescription("EXACTLY_ONCE (transactions), AT_LEAST_ONCE or NONE.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("tandem.kafka.transactional-id-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix of the sink's transactional ids; must be unique per job and"
                                    + " stable across restarts. Default: 'tandem-' + group id +"
                                    + " '-' + output topic.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("tandem.kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "The sink's transaction.timeout.ms: above checkpoint interval +"
                                    + " checkpoint timeout, at most the broker's"
                                    + " transaction.max.timeout.ms (15 min by default).");
}
