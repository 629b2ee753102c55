package io.tandem.omop;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.parse.BadRecordException;
import io.tandem.pipeline.components.NegationQualifier;
import io.tandem.pipeline.components.TermMatcher;
import io.tandem.results.DeadLetter;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Maps results to OMOP CDM v5.4 {@code NOTE_NLP} rows, one per entity, and dead letters to {@code
 * note_nlp_dead_letter} rows, whatever they are written to (Parquet, JSON Lines, a database).
 *
 * <ul>
 *   <li>{@code note_nlp_id}: a 31-bit hash of the note id, the pipeline's name, the entity's start,
 *       end and label ({@link #noteNlpId}), so a rerun of the same notes with the same pipeline
 *       writes the same ids; 31 bits because the v5.4 DDL declares the column {@code integer}.
 *   <li>{@code "offset"}: the entity's start in code points of the note's text, as PostgreSQL's
 *       {@code substr} and Python count (the JSON output's {@code start} counts UTF-16 units: the
 *       two differ only after a character outside the Basic Multilingual Plane).
 *   <li>{@code note_id}: the document id, which must be an integer; a document whose id is not
 *       becomes a dead letter naming it.
 *   <li>The label: first pair of {@code term_modifiers}, {@code label=<label>}, followed by the
 *       entity's attributes as {@code key=value} pairs, comma-separated ({@code \}, {@code ,} and
 *       {@code =} inside a key or value escaped with {@code \}), cut at a pair boundary to 2000
 *       characters. {@code note_nlp_source_value}, where edsnlp puts it, is not a v5.4 column.
 *   <li>{@code note_nlp_concept_id}: the entity's {@value #CONCEPT_ID_ATTRIBUTE} attribute when a
 *       component set one, else 0. {@code section_concept_id} and {@code
 *       note_nlp_source_concept_id}: 0.
 *   <li>{@code term_exists}: {@code N} when the negation qualifier set {@code negated} true (or
 *       edsnlp's {@code negation}, on pre-annotated entities), else {@code Y}. {@code
 *       term_temporal}: the {@value #TEMPORAL_ATTRIBUTE} attribute, else null.
 *   <li>{@code nlp_date}, {@code nlp_datetime}: the run's time, fixed when the mapper is made (UTC,
 *       milliseconds), so the rows a restarted job writes again are identical.
 * </ul>
 */
public final class NoteNlpRows implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The OMOP DDL's lengths. */
    public static final int SNIPPET_CHARS = 250;

    public static final int LEXICAL_VARIANT_CHARS = 250;
    public static final int NLP_SYSTEM_CHARS = 250;
    public static final int TERM_TEMPORAL_CHARS = 50;
    public static final int TERM_MODIFIERS_CHARS = 2000;

    /** The span attribute holding the entity's OMOP concept id (the terms lexicon sets it). */
    public static final String CONCEPT_ID_ATTRIBUTE = TermMatcher.CONCEPT_ID_ATTRIBUTE;

    /** edsnlp's negation attribute, kept on the entities of its OMOP dictionaries. */
    public static final String EDSNLP_NEGATION_ATTRIBUTE = "negation";

    /** The span attribute holding a temporal qualifier ({@code past}, {@code present}, ...). */
    public static final String TEMPORAL_ATTRIBUTE = "temporal";

    private static final Comparator<Span> BY_POSITION =
            Comparator.comparingInt(Span::start).thenComparingInt(Span::end);

    private final String nlpSystem;
    private final String pipelineName;
    private final LocalDateTime nlpDatetime;
    private final DeadLetters deadLetters;

    /**
     * @param tandemVersion goes into {@code nlp_system}
     * @param pipelineName goes into {@code nlp_system} and into every {@code note_nlp_id}
     * @param runTime {@code nlp_date} and {@code nlp_datetime} of every row
     * @param deadLetters makes the dead letter of a note whose id is not an integer
     */
    public NoteNlpRows(
            String tandemVersion,
            String pipelineName,
            java.time.Instant runTime,
            DeadLetters deadLetters) {
        this.pipelineName = Objects.requireNonNull(pipelineName, "pipelineName");
        this.nlpSystem = cut("Tandem " + tandemVersion + " " + pipelineName, NLP_SYSTEM_CHARS);
        this.nlpDatetime =
                LocalDateTime.ofInstant(runTime.truncatedTo(ChronoUnit.MILLIS), ZoneOffset.UTC);
        this.deadLetters = Objects.requireNonNull(deadLetters, "deadLetters");
    }

    public String nlpSystem() {
        return nlpSystem;
    }

    /** The run's time: every row's {@code nlp_datetime} (UTC). */
    public LocalDateTime nlpDatetime() {
        return nlpDatetime;
    }

    /** The rows of a processed note, or the dead-letter row of a dead letter or a bad note id. */
    public NoteNlpResult of(Result result) {
        if (result.isDeadLetter()) {
            return new NoteNlpResult(null, deadLetter(result.deadLetter()));
        }
        Doc doc = result.doc();
        Long noteId = noteId(doc.id());
        if (noteId == null) {
            return new NoteNlpResult(null, deadLetter(badNoteId(doc)));
        }
        return new NoteNlpResult(rows(doc, noteId), null);
    }

    /**
     * The result itself, or a dead letter naming the note when its id is not an integer: for sinks
     * that split documents from dead letters before mapping the documents.
     */
    public Result checkNoteId(Result result) {
        if (result.isDeadLetter() || noteId(result.doc().id()) != null) {
            return result;
        }
        return Result.deadLetter(badNoteId(result.doc()));
    }

    private DeadLetter badNoteId(Doc doc) {
        return deadLetters.of(
                doc,
                Stage.PARSE,
                BadRecordException.class.getName(),
                "id '"
                        + doc.id()
                        + "' is not an integer: expected an integer note_id for OMOP NOTE_NLP"
                        + " (a bigint)");
    }

    /** The note id as a number, or null when it is not an integer that fits a bigint. */
    public static Long noteId(String id) {
        try {
            return Long.parseLong(id.strip());
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * One row per entity of a note whose id is an integer, in order of position.
     *
     * @throws IllegalArgumentException if the document's id is not an integer
     */
    public List<NoteNlpRow> rows(Doc doc) {
        Long noteId = noteId(doc.id());
        if (noteId == null) {
            throw new IllegalArgumentException(badNoteId(doc).reason());
        }
        return rows(doc, noteId);
    }

    private List<NoteNlpRow> rows(Doc doc, long noteId) {
        List<Span> spans = new ArrayList<>(doc.entities());
        spans.sort(BY_POSITION);
        List<NoteNlpRow> rows = new ArrayList<>(spans.size());
        for (Span span : spans) {
            rows.add(row(doc, noteId, span));
        }
        return rows;
    }

    private NoteNlpRow row(Doc doc, long noteId, Span span) {
        Map<String, Object> attributes = span.attributes();
        Object temporal = attributes.get(TEMPORAL_ATTRIBUTE);
        return new NoteNlpRow(
                noteNlpId(noteId, pipelineName, span.start(), span.end(), span.label()),
                noteId,
                0,
                snippet(doc.text(), span.start(), span.end()),
                // Code points, as PostgreSQL's substr and Python (edsnlp) count characters.
                Integer.toString(doc.text().codePointCount(0, span.start())),
                cut(doc.textOf(span), LEXICAL_VARIANT_CHARS),
                conceptId(attributes.get(CONCEPT_ID_ATTRIBUTE)),
                0,
                nlpSystem,
                nlpDatetime.toLocalDate(),
                nlpDatetime,
                negated(attributes) ? "N" : "Y",
                temporal == null ? null : cut(temporal.toString(), TERM_TEMPORAL_CHARS),
                termModifiers(span));
    }

    /** Tandem's negation qualifier, or edsnlp's (an entity of an edsnlp OMOP dictionary). */
    private static boolean negated(Map<String, Object> attributes) {
        return Boolean.TRUE.equals(attributes.get(NegationQualifier.ATTRIBUTE))
                || Boolean.TRUE.equals(attributes.get(EDSNLP_NEGATION_ATTRIBUTE));
    }

    /**
     * How many ids, from its hash on, a database writer may try for an entity whose id another
     * entity holds: hashes stay below {@link Integer#MAX_VALUE} minus this, so every id tried is an
     * {@code integer}.
     */
    public static final int ID_PROBES = 64;

    /**
     * The first 31 bits of the SHA-256 of (note id, pipeline name, start, end, label), modulo
     * {@code Integer.MAX_VALUE - }{@value #ID_PROBES}: the same entity of the same note found by
     * the same pipeline always gets the same id, a non-negative one that fits the DDL's {@code
     * integer} with room for {@value #ID_PROBES} ids after it.
     *
     * <p>Two different entities share an id with probability about n²/2³² over n rows (about 2
     * pairs in 100,000 entities, 20 in 300,000, 230 in a million). A file output carries this hash
     * as it is; the JDBC output moves an entity whose id another entity already holds to the next
     * free id of the {@value #ID_PROBES} from its hash on.
     */
    public static long noteNlpId(
            long noteId, String pipelineName, int start, int end, String label) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeLong(noteId);
            writeString(out, pipelineName);
            out.writeInt(start);
            out.writeInt(end);
            writeString(out, label);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        byte[] digest;
        try {
            digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
        int bits = 0;
        for (int i = 0; i < Integer.BYTES; i++) {
            bits = (bits << 8) | (digest[i] & 0xFF);
        }
        return (bits & Integer.MAX_VALUE) % (Integer.MAX_VALUE - ID_PROBES);
    }

    /** Length-prefixed, so that ("ab", "c") and ("a", "bc") hash differently. */
    private static void writeString(DataOutputStream out, String value) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        out.writeInt(utf8.length);
        out.write(utf8);
    }

    private static int conceptId(Object value) {
        if (value instanceof Number number) {
            return number.intValue();
        }
        if (value instanceof String text) {
            try {
                return Integer.parseInt(text.strip());
            } catch (NumberFormatException e) {
                return 0;
            }
        }
        return 0;
    }

    /**
     * The entity with as much context on each side as fits {@link #SNIPPET_CHARS}, shared evenly
     * where the text allows; the entity alone, cut, when it is longer.
     */
    static String snippet(String text, int start, int end) {
        int length = end - start;
        if (length >= SNIPPET_CHARS) {
            return cut(text.substring(start, end), SNIPPET_CHARS);
        }
        int room = SNIPPET_CHARS - length;
        int after = Math.min(text.length() - end, room - Math.min(start, room / 2));
        int before = Math.min(start, room - after);
        int from = start - before;
        int to = end + after;
        // Never half a surrogate pair at either edge.
        if (from > 0 && Character.isLowSurrogate(text.charAt(from))) {
            from++;
        }
        if (to < text.length() && Character.isLowSurrogate(text.charAt(to))) {
            to--;
        }
        return text.substring(from, to);
    }

    /** {@code label=<label>}, then each attribute, whole pairs only, within 2000 characters. */
    static String termModifiers(Span span) {
        StringBuilder text = new StringBuilder();
        text.append(cut("label=" + escape(span.label()), TERM_MODIFIERS_CHARS));
        for (Map.Entry<String, Object> attribute : span.attributes().entrySet()) {
            String pair =
                    escape(attribute.getKey()) + "=" + escape(String.valueOf(attribute.getValue()));
            if (text.length() + 1 + pair.length() > TERM_MODIFIERS_CHARS) {
                break;
            }
            text.append(',').append(pair);
        }
        return text.toString();
    }

    private static String escape(String value) {
        StringBuilder escaped = new StringBuilder(value.length());
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '\\' || c == ',' || c == '=') {
                escaped.append('\\');
            }
            escaped.append(c);
        }
        return escaped.toString();
    }

    /** At most {@code max} characters, never ending in half a surrogate pair. */
    static String cut(String value, int max) {
        if (value.length() <= max) {
            return value;
        }
        int end = Character.isHighSurrogate(value.charAt(max - 1)) ? max - 1 : max;
        return value.substring(0, end);
    }

    /** A dead letter as a {@code note_nlp_dead_letter} row: the JSON dead letter's fields. */
    public static NoteNlpDeadLetterRow deadLetter(DeadLetter d) {
        SourcePosition source = d.source();
        boolean model = d.model() != null;
        return new NoteNlpDeadLetterRow(
                d.seq(),
                source.origin(),
                source.isKafka() ? "offset" : source.isFileRow() ? "row" : "line",
                source.isKafka() ? source.partition() : null,
                source.position(),
                d.stage().label(),
                d.reason(),
                d.errorClass(),
                new String(d.raw(), StandardCharsets.UTF_8),
                d.rawBytes(),
                d.rawTruncated(),
                d.docId(),
                d.metaJson(),
                d.model(),
                model ? d.batch() : null,
                model ? d.device() : null);
    }
}
