package io.tandem.source;

import java.nio.file.Path;
import java.util.Locale;

/** How an input file is read: JSON Lines (plain or gzip-compressed) or Parquet. */
public enum InputFormat {
    JSONL,
    PARQUET;

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
