package io.tandem.job.format;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.omop.NoteNlpDeadLetterRow;
import io.tandem.omop.NoteNlpRow;
import java.time.format.DateTimeFormatter;

/**
 * The JSON Lines encoding of OMOP rows: one object per row, keyed by the table's column names
 * ({@link NoteNlpRow#COLUMNS}, {@link NoteNlpDeadLetterRow#COLUMNS}), nulls written out; {@code
 * nlp_date} as {@code yyyy-MM-dd} and {@code nlp_datetime} as ISO-8601 without zone (UTC).
 */
public final class NoteNlpJson {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final DateTimeFormatter DATETIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS");

    private NoteNlpJson() {}

    public static String encode(NoteNlpRow row) {
        ObjectNode node = JSON.createObjectNode();
        node.put("note_nlp_id", row.noteNlpId());
        node.put("note_id", row.noteId());
        node.put("section_concept_id", row.sectionConceptId());
        node.put("snippet", row.snippet());
        node.put("offset", row.offset());
        node.put("lexical_variant", row.lexicalVariant());
        node.put("note_nlp_concept_id", row.noteNlpConceptId());
        node.put("note_nlp_source_concept_id", row.noteNlpSourceConceptId());
        node.put("nlp_system", row.nlpSystem());
        node.put("nlp_date", row.nlpDate().toString());
        node.put("nlp_datetime", DATETIME.format(row.nlpDatetime()));
        node.put("term_exists", row.termExists());
        node.put("term_temporal", row.termTemporal());
        node.put("term_modifiers", row.termModifiers());
        return node.toString();
    }

    public static String encode(NoteNlpDeadLetterRow row) {
        ObjectNode node = JSON.createObjectNode();
        node.put("seq", row.seq());
        node.put("source_origin", row.sourceOrigin());
        node.put("source_kind", row.sourceKind());
        node.put("source_partition", row.sourcePartition());
        node.put("source_position", row.sourcePosition());
        node.put("stage", row.stage());
        node.put("reason", row.reason());
        node.put("error", row.error());
        node.put("raw", row.raw());
        node.put("raw_bytes", row.rawBytes());
        node.put("raw_truncated", row.rawTruncated());
        node.put("id", row.docId());
        node.put("meta", row.metaJson());
        node.put("model", row.model());
        node.put("batch", row.batch());
        node.put("device", row.device());
        return node.toString();
    }
}
