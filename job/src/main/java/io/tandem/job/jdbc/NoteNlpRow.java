package io.tandem.job.jdbc;

/**
 * One row the JDBC output writes: an OMOP {@code NOTE_NLP} entity, or a dead letter (then {@link
 * #deadLetter} is true and only the {@code dl*} fields and {@link #noteId} are set). A Flink POJO,
 * so that this edge needs no Kryo.
 */
public final class NoteNlpRow {
    public boolean deadLetter;

    // NOTE_NLP
    public long noteNlpId;
    public Long noteId;
    public String snippet;
    public String offset;
    public String lexicalVariant;
    public int noteNlpConceptId;
    public String nlpSystem;

    /** Epoch milliseconds (UTC) of the run: nlp_date is its day, nlp_datetime the instant. */
    public long nlpMillis;

    public String termExists;
    public String termTemporal;
    public String termModifiers;

    // note_nlp_dead_letter: the fields of a JSON Lines dead letter
    public long deadLetterId;
    public long seq;
    public String sourceJson;
    public String stage;
    public String reason;
    public String error;
    public String raw;
    public int rawBytes;
    public boolean rawTruncated;
    public String metaJson;
    public String model;
    public Long batch;
    public Integer device;

    public NoteNlpRow() {}

    @Override
    public String toString() {
        return deadLetter
                ? "dead letter " + deadLetterId + " of note " + noteId + ": " + reason
                : "note_nlp " + noteNlpId + " of note " + noteId + " '" + lexicalVariant + "'";
    }
}
