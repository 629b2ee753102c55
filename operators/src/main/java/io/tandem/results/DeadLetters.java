package io.tandem.results;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.source.RawRecord;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Makes dead letters. The raw value is truncated to a configured number of bytes, on a UTF-8
 * character boundary, so a huge or invalid record cannot blow up the dead-letter output.
 */
public final class DeadLetters implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int maxRawBytes;

    public DeadLetters(int maxRawBytes) {
        if (maxRawBytes < 0) {
            throw new IllegalArgumentException("maxRawBytes must be >= 0, got " + maxRawBytes);
        }
        this.maxRawBytes = maxRawBytes;
    }

    /** A record that failed before it became a document. */
    public DeadLetter of(RawRecord record, Stage stage, Throwable error) {
        byte[] raw = record.value == null ? new byte[0] : record.value;
        return make(
                record.seq,
                record.sourcePosition(),
                stage,
                error.getClass().getName(),
                error.getMessage() == null ? error.toString() : error.getMessage(),
                raw,
                null,
                null);
    }

    /**
     * A document that parsed but failed later (a component, the model): the raw value is rebuilt
     * from its id and text, and the dead letter keeps its id and meta.
     */
    public DeadLetter of(Doc doc, Stage stage, Throwable error) {
        return of(
                doc,
                stage,
                error.getClass().getName(),
                error.getMessage() == null ? error.toString() : error.getMessage());
    }

    /** As {@link #of(Doc, Stage, Throwable)}, for an error that crossed the network as text. */
    public DeadLetter of(Doc doc, Stage stage, String errorClass, String reason) {
        ObjectNode original = JSON.createObjectNode();
        original.put("id", doc.id());
        original.put("text", doc.text());
        byte[] raw = original.toString().getBytes(StandardCharsets.UTF_8);
        SourcePosition source =
                doc.source() == null ? SourcePosition.fileLine("unknown", -1) : doc.source();
        return make(doc.seq(), source, stage, errorClass, reason, raw, doc.id(), doc.metaJson());
    }

    private DeadLetter make(
            long seq,
            SourcePosition source,
            Stage stage,
            String errorClass,
            String reason,
            byte[] raw,
            String docId,
            String metaJson) {
        return new DeadLetter(
                seq,
                source,
                stage,
                reason,
                errorClass,
                Arrays.copyOf(raw, truncationPoint(raw, maxRawBytes)),
                raw.length,
                docId,
                metaJson,
                null,
                DeadLetter.NO_BATCH,
                DeadLetter.NO_DEVICE);
    }

    /** Where to cut so that no UTF-8 sequence is split (continuation bytes are 10xxxxxx). */
    static int truncationPoint(byte[] raw, int max) {
        if (raw.length <= max) {
            return raw.length;
        }
        int cut = max;
        while (cut > 0 && (raw[cut] & 0xC0) == 0x80) {
            cut--;
        }
        return cut;
    }
}
