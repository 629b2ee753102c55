package io.tandem.doc;

/**
 * Where a document came from: a file and its 1-based line ({@code partition == -1}), a Parquet file
 * and its 0-based row ({@code partition == -2}), a generated sample and its index, or a Kafka
 * topic, partition and offset.
 */
public record SourcePosition(String origin, int partition, long position) {
    public static final int NO_PARTITION = -1;
    public static final int FILE_ROW = -2;

    public static SourcePosition fileLine(String file, long line) {
        return new SourcePosition(file, NO_PARTITION, line);
    }

    public static SourcePosition fileRow(String file, long row) {
        return new SourcePosition(file, FILE_ROW, row);
    }

    public boolean isFileRow() {
        return partition == FILE_ROW;
    }

    public static SourcePosition kafka(String topic, int partition, long offset) {
        return new SourcePosition(topic, partition, offset);
    }

    public boolean isKafka() {
        return partition >= 0;
    }
}
