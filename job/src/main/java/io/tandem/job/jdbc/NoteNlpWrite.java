package io.tandem.job.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.omop.NoteNlpDeadLetterRow;
import io.tandem.omop.NoteNlpResult;
import io.tandem.omop.NoteNlpRow;
import io.tandem.omop.NoteNlpRows;
import io.tandem.results.Result;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.LocalDateTime;
import java.util.Map;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.util.Collector;

/**
 * One statement of the JDBC output: a {@code NOTE_NLP} row, or a {@code note_nlp_dead_letter} row
 * with the key that makes its rewrite a no-op. The rows themselves are {@link NoteNlpRows}' (the
 * mapping every OMOP output shares).
 *
 * @param entity the NOTE_NLP row, or null for a dead letter
 * @param deadLetter the dead-letter row, or null for an entity
 * @param deadLetterId deterministic key of the dead letter ({@link #deadLetterId}), 0 for an entity
 * @param nlpSystem the run's {@code nlp_system}, stored with the dead letter
 * @param nlpDatetime the run's {@code nlp_datetime}, stored with the dead letter
 */
public record NoteNlpWrite(
        NoteNlpRow entity,
        NoteNlpDeadLetterRow deadLetter,
        int deadLetterId,
        String nlpSystem,
        LocalDateTime nlpDatetime) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * This edge's type, a POJO all the way down: Flink's type extraction would leave the rows'
     * {@code LocalDate} and {@code LocalDateTime} fields to Kryo, which the job disables.
     */
    public static final TypeInformation<NoteNlpWrite> TYPE =
            Types.POJO(
                    NoteNlpWrite.class,
                    Map.of(
                            "entity",
                            Types.POJO(
                                    NoteNlpRow.class,
                                    Map.ofEntries(
                                            Map.entry("noteNlpId", Types.LONG),
                                            Map.entry("noteId", Types.LONG),
                                            Map.entry("sectionConceptId", Types.INT),
                                            Map.entry("snippet", Types.STRING),
                                            Map.entry("offset", Types.STRING),
                                            Map.entry("lexicalVariant", Types.STRING),
                                            Map.entry("noteNlpConceptId", Types.INT),
                                            Map.entry("noteNlpSourceConceptId", Types.INT),
                                            Map.entry("nlpSystem", Types.STRING),
                                            Map.entry("nlpDate", Types.LOCAL_DATE),
                                            Map.entry("nlpDatetime", Types.LOCAL_DATE_TIME),
                                            Map.entry("termExists", Types.STRING),
                                            Map.entry("termTemporal", Types.STRING),
                                            Map.entry("termModifiers", Types.STRING))),
                            "deadLetter",
                            Types.POJO(NoteNlpDeadLetterRow.class),
                            "deadLetterId",
                            Types.INT,
                            "nlpSystem",
                            Types.STRING,
                            "nlpDatetime",
                            Types.LOCAL_DATE_TIME));

    public boolean isEntity() {
        return entity != null;
    }

    /** Each result as its statements: one per entity, or one dead letter. */
    public static FlatMapFunction<Result, NoteNlpWrite> of(NoteNlpRows rows) {
        return new Mapper(rows);
    }

    private static final class Mapper implements FlatMapFunction<Result, NoteNlpWrite> {
        private static final long serialVersionUID = 1L;
        private final NoteNlpRows rows;

        Mapper(NoteNlpRows rows) {
            this.rows = rows;
        }

        @Override
        public void flatMap(Result result, Collector<NoteNlpWrite> out) {
            NoteNlpResult mapped = rows.of(result);
            if (mapped.isDeadLetter()) {
                NoteNlpDeadLetterRow letter = mapped.deadLetter();
                out.collect(
                        new NoteNlpWrite(
                                null,
                                letter,
                                deadLetterId(rows.nlpSystem(), letter),
                                rows.nlpSystem(),
                                rows.nlpDatetime()));
                return;
            }
            for (NoteNlpRow row : mapped.rows()) {
                out.collect(new NoteNlpWrite(row, null, 0, rows.nlpSystem(), rows.nlpDatetime()));
            }
        }
    }

    /**
     * The note a dead letter names: its parsed id, else the NOTE row the JDBC source read it from
     * (the source's row position is the note_id).
     */
    public static Long noteIdOf(NoteNlpDeadLetterRow letter) {
        if (letter.docId() != null) {
            return NoteNlpRows.noteId(letter.docId());
        }
        return "row".equals(letter.sourceKind()) ? letter.sourcePosition() : null;
    }

    /** The dead letter's source as JSON, as the JSON Lines dead letters write it. */
    public static String sourceJson(NoteNlpDeadLetterRow letter) {
        ObjectNode source = JSON.createObjectNode();
        source.put("origin", letter.sourceOrigin());
        if (letter.sourcePartition() != null) {
            source.put("partition", letter.sourcePartition());
        }
        source.put(letter.sourceKind(), letter.sourcePosition());
        return source.toString();
    }

    /**
     * A positive 31-bit key, the same for the same dead letter of the same run's system: the note
     * (or, for a record that never parsed, its sequence number) and its source position.
     */
    static int deadLetterId(String nlpSystem, NoteNlpDeadLetterRow letter) {
        Long noteId = noteIdOf(letter);
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(nlpSystem.getBytes(StandardCharsets.UTF_8));
            sha.update(
                    ByteBuffer.allocate(Long.BYTES * 2 + Integer.BYTES)
                            .putLong(noteId == null ? letter.seq() : noteId)
                            .putInt(
                                    letter.sourcePartition() == null
                                            ? -1
                                            : letter.sourcePartition())
                            .putLong(letter.sourcePosition())
                            .array());
            sha.update(letter.sourceOrigin().getBytes(StandardCharsets.UTF_8));
            return ByteBuffer.wrap(sha.digest()).getInt() & Integer.MAX_VALUE;
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
