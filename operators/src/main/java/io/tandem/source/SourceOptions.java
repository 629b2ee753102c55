package io.tandem.source;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the file input: its format and, for Parquet, which columns hold id and text. */
@Internal
public final class SourceOptions {
    private SourceOptions() {}

    public static final ConfigOption<InputFormat> INPUT_FORMAT =
            ConfigOptions.key("tandem.input-format")
                    .enumType(InputFormat.class)
                    .noDefaultValue()
                    .withDescription(
                            "Format of every input file, jsonl or parquet (default: told by each"
                                    + " file's extension, .jsonl, .jsonl.gz or .parquet); omop:"
                                    + " OMOP NOTE rows (note_id, note_text, other columns to"
                                    + " meta; edsnlp's entities kept) in files told by their"
                                    + " extension.");

    public static final ConfigOption<String> ID_COLUMN =
            ConfigOptions.key("tandem.id-column")
                    .stringType()
                    .defaultValue("id")
                    .withDescription(
                            "Parquet input: the column holding the document id (a string or an"
                                    + " integer).");

    public static final ConfigOption<String> TEXT_COLUMN =
            ConfigOptions.key("tandem.text-column")
                    .stringType()
                    .defaultValue("text")
                    .withDescription("Parquet input: the column holding the document text.");
}
