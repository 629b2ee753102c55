package io.tandem.parse;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.source.RawRecord;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;

/**
 * Formats dead letters: {@code {"seq", "source": {...}, "reason", "error", "raw", "raw_bytes",
 * "raw_truncated"}}. The raw value is truncated to a configured number of bytes (on a UTF-8
 * character boundary) and decoded leniently, so even invalid input is shown.
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

    public ResultLine of(RawRecord record, Throwable error) {
        ObjectNode node = JSON.createObjectNode();
        node.put("seq", record.seq);
        node.set("source", OutputFormat.sourceJson(record.sourcePosition()));
        node.put("reason", error.getMessage() == null ? error.toString() : error.getMessage());
        node.put("error", error.getClass().getName());
        byte[] raw = record.value == null ? new byte[0] : record.value;
        int kept = truncationPoint(raw, maxRawBytes);
        node.put("raw", new String(raw, 0, kept, StandardCharsets.UTF_8));
        node.put("raw_bytes", raw.length);
        node.put("raw_truncated", kept < raw.length);
        return ResultLine.deadLetter(record.seq, node.toString());
    }

    /**
     * A dead letter for a document that parsed but failed later (a component, the model): the raw
     * value is rebuilt from its id and text.
     */
    public ResultLine of(io.tandem.doc.Doc doc, Throwable error) {
        ObjectNode original = JSON.createObjectNode();
        original.put("id", doc.id());
        original.put("text", doc.text());
        RawRecord record =
                new RawRecord(
                        doc.seq(),
                        doc.source() == null
                                ? io.tandem.doc.SourcePosition.fileLine("unknown", -1)
                                : doc.source(),
                        original.toString().getBytes(StandardCharsets.UTF_8));
        return of(record, error);
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
