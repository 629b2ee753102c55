package io.tandem.job.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.pipeline.components.NegationQualifier;
import io.tandem.results.DeadLetter;
import io.tandem.results.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Map;
import java.util.StringJoiner;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.util.Collector;

/**
 * A result as the rows the JDBC output writes: one {@code NOTE_NLP} row per entity, or one dead
 * letter row.
 *
 * <p>{@code note_nlp_id} is deterministic: the first 31 bits of the SHA-256 of {@code nlp_system},
 * the note id, the entity's offsets and label (OMOP v5.4 declares the column {@code integer}); the
 * sink moves an entity whose id another entity holds to the next free one ({@link
 * NoteNlpOutput#sql()}). A rerun of the same notes by the same pipeline finds its rows written and
 * skips them; another pipeline or version writes its rows beside the earlier ones (its {@code
 * nlp_system} differs).
 */
public final class NoteNlpRows implements FlatMapFunction<Result, NoteNlpRow> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final int MAX_VARCHAR = 250;

    /** Attributes a component may set to give the term's temporality. */
    private static final String[] TEMPORAL_ATTRIBUTES = {"temporal", "temporality"};

    private static final String CONCEPT_ID = "concept_id";

    private final String nlpSystem;
    private final long nlpMillis;

    /**
     * @param nlpSystem Tandem's version and the pipeline's name
     * @param nlpMillis when the run started, the nlp_date and nlp_datetime of every row
     */
    public NoteNlpRows(String nlpSystem, long nlpMillis) {
        this.nlpSystem = cut(nlpSystem, MAX_VARCHAR);
        this.nlpMillis = nlpMillis;
    }

    @Override
    public void flatMap(Result result, Collector<NoteNlpRow> out) {
        if (result.isDeadLetter()) {
            out.collect(deadLetterRow(result.deadLetter()));
            return;
        }
        Doc doc = result.doc();
        long noteId = Long.parseLong(doc.id());
        for (Span span : doc.entities()) {
            out.collect(entityRow(doc, noteId, span));
        }
    }

    NoteNlpRow entityRow(Doc doc, long noteId, Span span) {
        NoteNlpRow row = new NoteNlpRow();
        // Below 2^31 - PROBES, so that every id the sink may probe is an integer.
        row.noteNlpId =
                id(nlpSystem, noteId, span.start(), span.end(), span.label())
                        % (Integer.MAX_VALUE - NoteNlpOutput.PROBES);
        row.noteId = noteId;
        row.lexicalVariant = cut(doc.textOf(span), MAX_VARCHAR);
        row.offset = String.valueOf(span.start());
        row.snippet = snippet(doc.text(), span.start(), span.end());
        Object concept = span.attributes().get(CONCEPT_ID);
        row.noteNlpConceptId = concept instanceof Number n ? n.intValue() : 0;
        row.nlpSystem = nlpSystem;
        row.nlpMillis = nlpMillis;
        row.termExists =
                Boolean.TRUE.equals(span.attributes().get(NegationQualifier.ATTRIBUTE)) ? "N" : "Y";
        for (String temporal : TEMPORAL_ATTRIBUTES) {
            Object value = span.attributes().get(temporal);
            if (value != null) {
                row.termTemporal = cut(value.toString(), 50);
            }
        }
        // The label has no column of its own in NOTE_NLP: it leads term_modifiers.
        StringJoiner modifiers = new StringJoiner(",");
        modifiers.add("label=" + span.label());
        for (Map.Entry<String, Object> attribute : span.attributes().entrySet()) {
            modifiers.add(attribute.getKey() + "=" + attribute.getValue());
        }
        row.termModifiers = cut(modifiers.toString(), 2000);
        return row;
    }

    NoteNlpRow deadLetterRow(DeadLetter deadLetter) {
        NoteNlpRow row = new NoteNlpRow();
        row.deadLetter = true;
        SourcePosition source = deadLetter.source();
        row.noteId = noteIdOf(deadLetter);
        row.deadLetterId =
                id(
                        nlpSystem,
                        row.noteId == null ? deadLetter.seq() : row.noteId,
                        source.partition(),
                        source.position(),
                        source.origin());
        row.seq = deadLetter.seq();
        ObjectNode sourceJson = JSON.createObjectNode();
        sourceJson.put("origin", source.origin());
        sourceJson.put(source.isFileRow() ? "row" : "line", source.position());
        row.sourceJson = sourceJson.toString();
        row.stage = deadLetter.stage().label();
        row.reason = noNul(deadLetter.reason());
        row.error = deadLetter.errorClass();
        row.raw = noNul(new String(deadLetter.raw(), StandardCharsets.UTF_8));
        row.rawBytes = deadLetter.rawBytes();
        row.rawTruncated = deadLetter.rawTruncated();
        row.metaJson = deadLetter.metaJson();
        if (deadLetter.model() != null) {
            row.model = deadLetter.model();
            row.batch = deadLetter.batch();
            row.device = deadLetter.device();
        }
        row.nlpSystem = nlpSystem;
        row.nlpMillis = nlpMillis;
        return row;
    }

    /** The note a dead letter names: its parsed id, else the row the JDBC source read it from. */
    private static Long noteIdOf(DeadLetter deadLetter) {
        if (deadLetter.docId() != null) {
            try {
                return Long.parseLong(deadLetter.docId());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        return deadLetter.source().isFileRow() ? deadLetter.source().position() : null;
    }

    /** A positive 31-bit id, the same for the same parts. */
    static int id(String system, long noteId, int a, long b, String label) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(system.getBytes(StandardCharsets.UTF_8));
            sha.update(
                    ByteBuffer.allocate(Long.BYTES * 2 + Integer.BYTES)
                            .putLong(noteId)
                            .putInt(a)
                            .putLong(b)
                            .array());
            sha.update(label.getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getInt() & Integer.MAX_VALUE;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }

    /** The entity amid up to {@value #MAX_VARCHAR} characters of its text. */
    static String snippet(String text, int start, int end) {
        if (end - start >= MAX_VARCHAR) {
            return text.substring(start, start + MAX_VARCHAR);
        }
        int room = MAX_VARCHAR - (end - start);
        int from = Math.max(0, start - room / 2);
        int to = Math.min(text.length(), from + MAX_VARCHAR);
        from = Math.max(0, to - MAX_VARCHAR);
        return text.substring(from, to);
    }

    static String cut(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max);
    }

    /** PostgreSQL text cannot hold U+0000. */
    private static String noNul(String value) {
        return value == null ? null : value.replace('\u0000', '\uFFFD');
    }
}
