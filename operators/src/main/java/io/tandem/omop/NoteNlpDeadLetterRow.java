package io.tandem.omop;

/**
 * One row of the {@code note_nlp_dead_letter} table: the fields of a JSON dead letter, flattened
 * into columns. {@code sourceKind} is {@code line} or {@code row} for a file, {@code offset} for
 * Kafka (whose partition is {@code sourcePartition}, null otherwise); {@code docId} and {@code
 * metaJson} are null for a record that never parsed; {@code model}, {@code batch} and {@code
 * device} are null unless a model stage failed.
 */
public record NoteNlpDeadLetterRow(
        long seq,
        String sourceOrigin,
        String sourceKind,
        Integer sourcePartition,
        long sourcePosition,
        String stage,
        String reason,
        String error,
        String raw,
        int rawBytes,
        boolean rawTruncated,
        String docId,
        String metaJson,
        String model,
        Long batch,
        Integer device) {

    /** The column names, in field order. */
    public static final java.util.List<String> COLUMNS =
            java.util.List.of(
                    "seq",
                    "source_origin",
                    "source_kind",
                    "source_partition",
                    "source_position",
                    "stage",
                    "reason",
                    "error",
                    "raw",
                    "raw_bytes",
                    "raw_truncated",
                    "id",
                    "meta",
                    "model",
                    "batch",
                    "device");
}
