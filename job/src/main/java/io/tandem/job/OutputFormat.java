package io.tandem.job;

import java.nio.file.Path;

/** How a file job writes its processed documents; dead letters are JSON Lines either way. */
public enum OutputFormat {
    /** One JSON Lines file. */
    JSONL,
    /** A folder of Parquet part files, written by Flink's FileSink. */
    PARQUET,
    /**
     * OMOP CDM v5.4 {@code NOTE_NLP} rows, one per entity: one JSON Lines file when the output's
     * name ends in {@code .jsonl}, else a folder of Parquet part files. Dead letters are {@code
     * note_nlp_dead_letter} rows in JSON Lines.
     */
    OMOP;

    /** Whether this format writes {@code output} as a folder of Parquet part files. */
    public boolean parquetFolder(Path output) {
        return this == PARQUET || (this == OMOP && !output.toString().endsWith(".jsonl"));
    }
}
