package io.tandem.results;

import io.tandem.doc.SourcePosition;
import java.util.Arrays;
import java.util.Objects;

/**
 * A record or document that did not reach the output, with why: the stage that failed, the error's
 * message and class, and the raw input (truncated to a configured size, {@code rawBytes} long in
 * full). {@code docId} and {@code metaJson} are known once the record parsed; {@code model}, {@code
 * batch} and {@code device} once a model stage failed ({@code batch} {@value #NO_BATCH} and {@code
 * device} {@value #NO_DEVICE} otherwise).
 */
public record DeadLetter(
        long seq,
        SourcePosition source,
        Stage stage,
        String reason,
        String errorClass,
        byte[] raw,
        int rawBytes,
        String docId,
        String metaJson,
        String model,
        long batch,
        int device) {
    public static final long NO_BATCH = -1;
    public static final int NO_DEVICE = -1;

    public DeadLetter {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(stage, "stage");
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(errorClass, "errorClass");
        Objects.requireNonNull(raw, "raw");
    }

    public boolean rawTruncated() {
        return raw.length < rawBytes;
    }

    /** The same dead letter, naming the model stage where it failed. */
    public DeadLetter inModel(String modelName, long batchId, int deviceIndex) {
        return new DeadLetter(
                seq,
                source,
                stage,
                reason,
                errorClass,
                raw,
                rawBytes,
                docId,
                metaJson,
                modelName,
                batchId,
                deviceIndex);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DeadLetter d
                && d.seq == seq
                && d.source.equals(source)
                && d.stage == stage
                && d.reason.equals(reason)
                && d.errorClass.equals(errorClass)
                && Arrays.equals(d.raw, raw)
                && d.rawBytes == rawBytes
                && Objects.equals(d.docId, docId)
                && Objects.equals(d.metaJson, metaJson)
                && Objects.equals(d.model, model)
                && d.batch == batch
                && d.device == device;
    }

    @Override
    public int hashCode() {
        return Objects.hash(seq, source, stage, reason, errorClass, docId, model, batch);
    }

    @Override
    public String toString() {
        return "DeadLetter#"
                + seq
                + "{"
                + stage.label()
                + ", "
                + errorClass
                + ": "
                + reason
                + (docId == null ? "" : ", id " + docId)
                + (model == null ? "" : ", model " + model + " batch " + batch)
                + "}";
    }
}
