package io.tandem.omop;

import java.time.LocalDate;
import java.time.LocalDateTime;

/**
 * One row of the OMOP CDM v5.4 {@code NOTE_NLP} table: one entity of one note. Field for column, in
 * the DDL's order; the text columns are already cut to the DDL's lengths ({@link NoteNlpRows} makes
 * them).
 *
 * @param noteNlpId deterministic, below 2³¹ (the DDL's {@code integer}), see {@link
 *     NoteNlpRows#noteNlpId}
 * @param offset the entity's start, in code points of the note's text, as text ({@code "offset"} is
 *     varchar(50) in the DDL)
 * @param termTemporal null when no component set a temporal qualifier
 */
public record NoteNlpRow(
        long noteNlpId,
        long noteId,
        int sectionConceptId,
        String snippet,
        String offset,
        String lexicalVariant,
        int noteNlpConceptId,
        int noteNlpSourceConceptId,
        String nlpSystem,
        LocalDate nlpDate,
        LocalDateTime nlpDatetime,
        String termExists,
        String termTemporal,
        String termModifiers) {

    /** The column names, in the DDL's order (the field order of this record). */
    public static final java.util.List<String> COLUMNS =
            java.util.List.of(
                    "note_nlp_id",
                    "note_id",
                    "section_concept_id",
                    "snippet",
                    "offset",
                    "lexical_variant",
                    "note_nlp_concept_id",
                    "note_nlp_source_concept_id",
                    "nlp_system",
                    "nlp_date",
                    "nlp_datetime",
                    "term_exists",
                    "term_temporal",
                    "term_modifiers");
}
