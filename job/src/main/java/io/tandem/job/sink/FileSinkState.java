package io.tandem.job.sink;

import java.util.List;

/**
 * What a {@link JsonLinesFileSink} writer checkpoints: the bytes of each file that are part of the
 * checkpoint (anything after is truncated on restore), the next sequence number to write, and the
 * lines that arrived early and wait for their turn.
 */
public record FileSinkState(
        long outputBytes, long deadLetterBytes, long nextSeq, List<EncodedLine> waiting) {}
