package io.tandem.parse;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the parser and of the dead letters it and the later stages write. */
@Internal
public final class ParseOptions {
    private ParseOptions() {}

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
}
