package io.tandem.job;

import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of a file job: what it reads, where it writes, which pipeline, how progress shows. */
@Internal
public final class JobOptions {
    private JobOptions() {}

    public static final String DEFAULT_INPUT = "sample:1000";

    public static final ConfigOption<String> INPUT =
            ConfigOptions.key("tandem.input")
                    .stringType()
                    .defaultValue(DEFAULT_INPUT)
                    .withDescription(
                            "Bounded input: a .jsonl, .jsonl.gz or .parquet file, a folder or a"
                                    + " glob of them, or 'sample:N' for N documents of the bundled"
                                    + " synthetic clinical corpus.");

    public static final ConfigOption<String> OUTPUT =
            ConfigOptions.key("tandem.output")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Output JSON Lines file, one processed document per line; with"
                                    + " tandem.output-format parquet, a folder of Parquet part"
                                    + " files.");

    public static final ConfigOption<OutputFormat> OUTPUT_FORMAT =
            ConfigOptions.key("tandem.output-format")
                    .enumType(OutputFormat.class)
                    .defaultValue(OutputFormat.JSONL)
                    .withDescription(
                            "jsonl: the output is one JSON Lines file; parquet: a folder of Parquet"
                                    + " part files (dead letters stay JSON Lines); omop: OMOP"
                                    + " NOTE_NLP rows, one per entity, as JSON Lines if the"
                                    + " output's name ends in .jsonl, else as Parquet part files"
                                    + " (dead letters as note_nlp_dead_letter rows in JSON"
                                    + " Lines).");

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

    public static final ConfigOption<Duration> PROGRESS_INTERVAL =
            ConfigOptions.key("tandem.progress.interval")
                    .durationType()
                    .defaultValue(Duration.ofMillis(500))
                    .withDescription("Refresh interval of the console progress display.");
}
