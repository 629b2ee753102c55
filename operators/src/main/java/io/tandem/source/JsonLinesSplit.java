package io.tandem.source;

import org.apache.flink.api.connector.source.SourceSplit;

/**
 * A JSON Lines file read from {@code byteOffset}, where the next line is {@code nextLine} (1-based)
 * and gets sequence number {@code nextSeq}. The reader's checkpointed position.
 */
public record JsonLinesSplit(String path, long byteOffset, long nextLine, long nextSeq)
        implements SourceSplit {

    @Override
    public String splitId() {
        return path;
    }
}
