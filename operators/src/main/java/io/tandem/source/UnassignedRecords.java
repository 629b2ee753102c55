package io.tandem.source;

import org.apache.flink.api.connector.source.SourceEvent;

/**
 * From the enumerator to the one reader that reports the input's unassigned backlog: the records
 * left in the splits no reader holds yet (0 tells a reader it no longer reports them).
 */
record UnassignedRecords(long records) implements SourceEvent {
    private static final long serialVersionUID = 1L;
}
