package io.tandem.job.sink;

import io.tandem.job.format.NoteNlpJson;
import io.tandem.omop.NoteNlpResult;
import io.tandem.omop.NoteNlpRows;
import io.tandem.results.Result;
import java.util.stream.Collectors;

/**
 * OMOP results as JSON Lines: a note's {@code NOTE_NLP} rows, one line each (none for a note
 * without entities), and dead letters as {@code note_nlp_dead_letter} rows.
 */
public record NoteNlpLines(NoteNlpRows rows) implements ResultLines {
    private static final long serialVersionUID = 1L;

    @Override
    public Encoded encode(Result result) {
        NoteNlpResult mapped = rows.of(result);
        if (mapped.isDeadLetter()) {
            return new Encoded(true, NoteNlpJson.encode(mapped.deadLetter()));
        }
        return new Encoded(
                false,
                mapped.rows().stream().map(NoteNlpJson::encode).collect(Collectors.joining("\n")));
    }
}
