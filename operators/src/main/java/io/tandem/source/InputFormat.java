package io.tandem.source;

import java.nio.file.Path;
import java.util.Locale;

/**
 * How an input file is read: JSON Lines (plain or gzip-compressed) or Parquet, each record in
 * Tandem's layout ({@code id}, {@code text}, {@code meta}); or {@link #OMOP}, records in the layout
 * of an OMOP CDM {@code NOTE} export.
 */
public enum InputFormat {
    JSONL,
    PARQUET,
    /**
     * OMOP {@code NOTE} rows, in JSON Lines or Parquet files told by their extension: {@code
     * note_id} is the id, {@code note_text} the text, every other column goes to {@code meta};
     * edsnlp's OMOP dictionaries' {@code entities} are kept as the document's entities.
     */
    OMOP;

    /** The format of the file itself, or null where it is told by the file's name (OMOP). */
    public InputFormat fileFormat() {
        return this == OMOP ? null : this;
    }

    /** The format its name says, or null when the extension is none of Tandem's. */
    public static InputFormat ofName(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".parquet")) {
            return PARQUET;
        }
        if (name.endsWith(".jsonl") || name.endsWith(".jsonl.gz")) {
            return JSONL;
        }
        return null;
    }

    /**
     * Gzip is told by the name, so that {@code tandem.input-format jsonl} still reads {@code .gz}.
     */
    public static boolean isGzip(String path) {
        return path.toLowerCase(Locale.ROOT).endsWith(".gz");
    }

    public String lowerCase() {
        return name().toLowerCase(Locale.ROOT);
    }
}
