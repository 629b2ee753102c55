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
}
