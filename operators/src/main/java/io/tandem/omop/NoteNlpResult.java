package io.tandem.omop;

import java.util.List;

/**
 * What one result becomes in OMOP: the {@code NOTE_NLP} rows of a processed note (none for a note
 * without entities), or one {@code note_nlp_dead_letter} row.
 */
public record NoteNlpResult(List<NoteNlpRow> rows, NoteNlpDeadLetterRow deadLetter) {
    public NoteNlpResult {
        if ((rows == null) == (deadLetter == null)) {
            throw new IllegalArgumentException(
                    "A NOTE_NLP result is rows or a dead letter, exactly one of them");
        }
        rows = rows == null ? null : List.copyOf(rows);
    }

    public boolean isDeadLetter() {
        return deadLetter != null;
    }
}
