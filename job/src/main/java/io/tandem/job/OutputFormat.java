package io.tandem.job;

/** How a file job writes its processed documents; dead letters are JSON Lines either way. */
public enum OutputFormat {
    /** One JSON Lines file. */
    JSONL,
    /** A folder of Parquet part files, written by Flink's FileSink. */
    PARQUET
}
