package io.tandem.parse;

import java.util.Objects;

/**
 * One line of output: a processed document or a dead letter, already formatted as JSON. Sinks route
 * it by {@link #deadLetter}; the file sink orders by {@link #seq}. {@code key} is the document id
 * (the Kafka record key) when known. A Flink POJO, so no Kryo on this edge.
 */
public final class ResultLine {
    public long seq;
    public boolean deadLetter;
    public String key;
    public String json;

    public ResultLine() {}

    public ResultLine(long seq, boolean deadLetter, String key, String json) {
        this.seq = seq;
        this.deadLetter = deadLetter;
        this.key = key;
        this.json = json;
    }

    public static ResultLine output(long seq, String docId, String json) {
        return new ResultLine(seq, false, docId, json);
    }

    public static ResultLine deadLetter(long seq, String json) {
        return new ResultLine(seq, true, null, json);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ResultLine r
                && r.seq == seq
                && r.deadLetter == deadLetter
                && Objects.equals(r.key, key)
                && Objects.equals(r.json, json);
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, deadLetter, key, json);
    }

    @Override
    public String toString() {
        return (deadLetter ? "DeadLetter#" : "Output#") + seq + " " + json;
    }
}
