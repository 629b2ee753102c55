package io.tandem.options;

import java.time.Duration;
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
}
