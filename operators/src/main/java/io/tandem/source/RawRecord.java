package io.tandem.source;

import io.tandem.doc.SourcePosition;
import java.util.Arrays;
import java.util.Objects;

/**
 * An input record before parsing: the raw bytes of one JSON document and where it came from.
 *
 * <p>{@code seq} is the global sequence number the source assigns (0-based input order for files
 * and samples); the file sink orders its output by it. Bytes stay raw so that invalid UTF-8 can be
 * reported instead of silently replaced. A Flink POJO (public fields, no-arg constructor) so no
 * record on this edge falls back to Kryo.
 */
public final class RawRecord {
    public long seq;
    public String origin;
    public int partition;
    public long position;
    public byte[] value;

    public RawRecord() {}

    public RawRecord(long seq, SourcePosition position, byte[] value) {
        this.seq = seq;
        this.origin = position.origin();
        this.partition = position.partition();
        this.position = position.position();
        this.value = value;
    }

    public SourcePosition sourcePosition() {
        return new SourcePosition(origin, partition, position);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RawRecord r
                && r.seq == seq
                && Objects.equals(r.origin, origin)
                && r.partition == partition
                && r.position == position
                && Arrays.equals(r.value, value);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, origin, partition, position);
    }

    @Override
    public String toString() {
        return "RawRecord{seq=" + seq + ", " + sourcePosition() + ", bytes=" + value.length + "}";
    }
}
