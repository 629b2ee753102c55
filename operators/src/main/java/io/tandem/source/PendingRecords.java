package io.tandem.source;

/**
 * A file reader's backlog, reported as Flink's standard {@code pendingRecords} metric, by which
 * Flink's autoscaler sizes the vertex that holds the source: the records not yet emitted from the
 * splits the reader holds (the rest of its current split and its queued splits), plus the records
 * of the splits the enumerator has not assigned, when this reader is the one that reports them
 * ({@link UnassignedRecords}). Summed over the readers it is the input's backlog. A split restored
 * from a checkpoint counts only the records after its position. Records the enumerator has not
 * finished counting (files it is still listing, or that a continuous source has not found yet) are
 * not part of it.
 *
 * <p>Written by the reader's task thread only, read by Flink's metric thread: single writer,
 * volatile fields.
 */
final class PendingRecords {
    private volatile long held;
    private volatile long unassigned;

    /** The reader received {@code split}, new or restored at its checkpointed position. */
    void added(FileSplit split) {
        held = held + split.remaining();
    }

    /** The reader emitted one record. */
    void emitted() {
        held = held - 1;
    }

    /**
     * The reader is done with the split now at {@code position}: records the count promised but the
     * file no longer has are dropped from the backlog.
     */
    void finished(FileSplit position) {
        held = held - position.remaining();
    }

    /** The records of the unassigned splits this reader reports, as the enumerator last said. */
    void unassigned(long records) {
        unassigned = records;
    }

    long value() {
        return held + unassigned;
    }
}
