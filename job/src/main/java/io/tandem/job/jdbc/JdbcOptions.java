package io.tandem.job.jdbc;

import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Options of a job that reads OMOP {@code NOTE} or writes {@code NOTE_NLP} over JDBC: {@code
 * tandem.input} or {@code tandem.output} is then a {@code jdbc:postgresql://} URL.
 */
@Internal
public final class JdbcOptions {
    private JdbcOptions() {}

    public static final ConfigOption<String> INPUT_TABLE =
            ConfigOptions.key("tandem.jdbc.input-table")
                    .stringType()
                    .defaultValue("note")
                    .withDescription(
                            "The table of notes a jdbc: input reads (OMOP CDM NOTE: note_id,"
                                    + " note_text, every other column goes to meta).");

    public static final ConfigOption<String> INPUT_QUERY =
            ConfigOptions.key("tandem.jdbc.input-query")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A query a jdbc: input reads instead of the table; it must return"
                                    + " note_id and note_text.");

    public static final ConfigOption<String> OUTPUT_TABLE =
            ConfigOptions.key("tandem.jdbc.output-table")
                    .stringType()
                    .defaultValue("note_nlp")
                    .withDescription("The NOTE_NLP table a jdbc: output writes entities to.");

    public static final ConfigOption<String> DEAD_LETTER_TABLE =
            ConfigOptions.key("tandem.jdbc.dead-letter-table")
                    .stringType()
                    .defaultValue("note_nlp_dead_letter")
                    .withDescription(
                            "The table a jdbc: output writes dead letters to, in the same"
                                    + " transaction as the entities.");

    public static final ConfigOption<String> PROPERTIES =
            ConfigOptions.key("tandem.jdbc.properties")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "A properties file of JDBC connection properties (user, password,"
                                    + " ssl...), never logged. Without it, user and password come"
                                    + " from TANDEM_JDBC_USER and TANDEM_JDBC_PASSWORD, else"
                                    + " PGUSER and PGPASSWORD.");

    public static final ConfigOption<Integer> READ_SPLITS =
            ConfigOptions.key("tandem.jdbc.read-splits")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "note_id ranges the input is read in (default: 8 per reading"
                                    + " subtask).");

    /** How the NOTE_NLP output commits its rows exactly once. */
    public enum Commit {
        /** Batches commit as they are written; a rewritten row is skipped by its key. */
        IDEMPOTENT,
        /**
         * Flink's XA sink: one prepared transaction per checkpoint, committed when the checkpoint
         * completes. Needs PostgreSQL's max_prepared_transactions above 0.
         */
        XA
    }

    public static final ConfigOption<Commit> COMMIT =
            ConfigOptions.key("tandem.jdbc.commit")
                    .enumType(Commit.class)
                    .defaultValue(Commit.IDEMPOTENT)
                    .withDescription(
                            "How a jdbc: output commits exactly once: idempotent (batches commit as"
                                    + " written; rows already written are skipped by their key)"
                                    + " or xa (Flink's XA sink: a transaction per checkpoint,"
                                    + " committed when it completes; needs PostgreSQL's"
                                    + " max_prepared_transactions of at least "
                                    + JdbcNoteNlpOutput.PREPARED_TRANSACTIONS_NEEDED
                                    + ").");

    public static final ConfigOption<Integer> WRITE_BATCH_SIZE =
            ConfigOptions.key("tandem.jdbc.write-batch-size")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "Rows per JDBC batch; a batch is also written on every checkpoint.");

    public static final ConfigOption<Boolean> FOLLOW =
            ConfigOptions.key("tandem.jdbc.follow")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Keep reading a jdbc: input: notes inserted while the job runs are"
                                    + " read too (polled by note_id); the job runs until"
                                    + " cancelled. Needs a jdbc: output.");

    public static final ConfigOption<Duration> FOLLOW_INTERVAL =
            ConfigOptions.key("tandem.jdbc.follow-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(1))
                    .withDescription("Follow mode: how often NOTE is polled for new note_ids.");

    public static final ConfigOption<Duration> FOLLOW_GAP_TIMEOUT =
            ConfigOptions.key("tandem.jdbc.follow-gap-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription(
                            "Follow mode: how long a note_id missing below the highest one read"
                                    + " is waited for (a transaction that took its id earlier"
                                    + " and commits later) before it is given up.");
}
