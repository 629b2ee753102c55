package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.cli.TandemCli;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.sql.XAConnection;
import javax.transaction.xa.XAResource;
import javax.transaction.xa.Xid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.xa.PGXADataSource;

/**
 * NOTE_NLP written by Flink's XA sink ({@code --jdbc-commit xa}) on a real PostgreSQL: refused in
 * one line by a server without prepared transactions, the same rows as the idempotent writes, no
 * prepared transaction left behind, and a run SIGKILLed and started again.
 */
class NoteNlpXaITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    @TempDir Path dir;

    private Path credentials;

    @BeforeEach
    void credentials() throws Exception {
        credentials = Files.writeString(dir.resolve("jdbc.properties"), "user=postgres\n");
    }

    private String[] run(String url, String... more) {
        return OmopJdbcITCase.run(url, credentials, url, more);
    }

    @Test
    void xaOnAServerWithoutPreparedTransactionsIsRefusedInOneLineAtStartUp() throws Exception {
        // PostgreSQL's default, written out: the shared server allows prepared transactions.
        try (EmbeddedPostgres refusing =
                PostgresExtension.startServer(Map.of("max_prepared_transactions", "0"))) {
            String url = PostgresExtension.newOmopDatabase(refusing, "no_xa");
            OmopNotes.insert(url, 0, 10);
            Separate run = Separate.tandem(dir, run(url, "--jdbc-commit", "xa"));
            assertEquals(TandemCli.EXIT_USAGE, run.exitCode(), run.text());
            List<String> errors =
                    run.lines().stream().filter(line -> line.startsWith("tandem:")).toList();
            System.out.println("start-up message: " + errors);
            assertEquals(
                    List.of(
                            "tandem: PostgreSQL at "
                                    + url
                                    + " has max_prepared_transactions = 0; --jdbc-commit xa needs"
                                    + " at least 2 (a transaction prepared per checkpoint): set"
                                    + " max_prepared_transactions = 10 in postgresql.conf (or"
                                    + " ALTER SYSTEM SET max_prepared_transactions = 10) and"
                                    + " restart PostgreSQL, or use --jdbc-commit idempotent"),
                    errors);
            assertEquals(0, OmopNotes.count(url, "note_nlp"));
        }
    }

    @Test
    void xaWritesTheSameNoteNlpRowsAndDeadLettersAsIdempotentWrites() throws Exception {
        String url = POSTGRES.newOmopDatabase("xa_same");
        OmopNotes.insert(url, 0, 300);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            // A bad note: its dead letter commits in the same XA transactions as the entities.
            statement.execute("ALTER TABLE note ALTER COLUMN note_text DROP NOT NULL");
            statement.execute("UPDATE note SET note_text = NULL WHERE note_id = 7");
            statement.execute("CREATE TABLE note_nlp_xa (LIKE note_nlp INCLUDING ALL)");
            statement.execute(
                    "CREATE TABLE note_nlp_dead_letter_xa"
                            + " (LIKE note_nlp_dead_letter INCLUDING ALL)");
        }
        assertEquals(0, TandemCli.execute(run(url)));
        assertEquals(
                0,
                TandemCli.execute(
                        run(
                                url,
                                "--jdbc-commit",
                                "xa",
                                "-D",
                                JdbcOptions.OUTPUT_TABLE.key() + "=note_nlp_xa",
                                "-D",
                                JdbcOptions.DEAD_LETTER_TABLE.key() + "=note_nlp_dead_letter_xa")));

        List<String> idempotent = rows(url, "note_nlp");
        List<String> xa = rows(url, "note_nlp_xa");
        System.out.printf("NOTE_NLP rows: idempotent %d, XA %d%n", idempotent.size(), xa.size());
        assertTrue(idempotent.size() > 300, "entities: " + idempotent.size());
        assertEquals(idempotent, xa);
        // The ids as a whole: which of two entities whose hashes meet takes the next free id
        // depends on the order they reach the writer, in either mode.
        assertEquals(ids(url, "note_nlp"), ids(url, "note_nlp_xa"));
        List<String> deadLetters = deadLetters(url, "note_nlp_dead_letter");
        assertEquals(1, deadLetters.size(), "" + deadLetters);
        assertTrue(deadLetters.get(0).startsWith("7 "), deadLetters.get(0));
        assertEquals(deadLetters, deadLetters(url, "note_nlp_dead_letter_xa"));
        assertEquals(List.of(), preparedTransactions(url));
    }

    @Test
    void aRunKilledMidwayAndStartedAgainWithXaLeavesEveryEntityOnce() throws Exception {
        String url = POSTGRES.newOmopDatabase("xa_killed");
        OmopNotes.insert(url, 0, 500);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("CREATE TABLE elsewhere (id integer PRIMARY KEY)");
        }
        assertEquals(0, TandemCli.execute(run(url)));
        List<String> expected = rows(url, "note_nlp");
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("TRUNCATE note_nlp");
        }

        String[] command =
                run(
                        url,
                        "--jdbc-commit",
                        "xa",
                        // Rows are committed at each checkpoint: several during the run.
                        "--checkpoint-interval",
                        "2s",
                        "-D",
                        JdbcOptions.WRITE_BATCH_SIZE.key() + "=50");
        OmopJdbcITCase.killOnceRowsCommitted(dir, command, url, "note_nlp");
        long afterKill = OmopNotes.count(url, "note_nlp");
        System.out.printf(
                "killed with %d of %d NOTE_NLP rows committed, %d prepared transactions left%n",
                afterKill, expected.size(), preparedTransactions(url).size());
        assertTrue(
                afterKill > 0 && afterKill < expected.size(),
                "killed mid-run: " + afterKill + " of " + expected.size());
        // What a kill between a checkpoint's prepare and its commit leaves: a prepared transaction
        // of Flink's sink holding a row of NOTE_NLP; and one of another job on another table,
        // which the restart must leave alone.
        prepareFlinkTransaction(
                url,
                "INSERT INTO note_nlp (note_nlp_id, note_id, lexical_variant, nlp_date)"
                        + " VALUES (-1, 1, 'left over', current_date)",
                1);
        prepareFlinkTransaction(url, "INSERT INTO elsewhere VALUES (1)", 2);
        assertEquals(2, preparedTransactions(url).size());

        // The same command again; in a JVM of its own, so that a wait on a lock ends the test.
        Separate again = Separate.tandem(dir, command);
        assertEquals(0, again.exitCode(), again.text());
        List<String> rows = rows(url, "note_nlp");
        System.out.printf(
                "after the restart: %d NOTE_NLP rows, %d of the idempotent run%n",
                rows.size(), expected.size());
        assertEquals(expected, rows);
        List<String> left = preparedTransactions(url);
        assertEquals(1, left.size(), "only the other table's transaction is left: " + left);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("ROLLBACK PREPARED '" + left.get(0) + "'");
        }
    }

    /** Every NOTE_NLP row, all columns but the id and the run's dates, sorted. */
    private static List<String> rows(String url, String table) throws SQLException {
        return strings(
                url,
                "SELECT concat_ws('|', note_id, section_concept_id, snippet, \"offset\","
                        + " lexical_variant, note_nlp_concept_id, note_nlp_source_concept_id,"
                        + " nlp_system, term_exists, term_temporal, term_modifiers) FROM "
                        + table);
    }

    private static List<String> ids(String url, String table) throws SQLException {
        return strings(url, "SELECT note_nlp_id::text FROM " + table);
    }

    private static List<String> deadLetters(String url, String table) throws SQLException {
        return strings(
                url, "SELECT concat_ws(' ', note_id, dead_letter_id, stage, reason) FROM " + table);
    }

    private static List<String> preparedTransactions(String url) throws SQLException {
        return strings(
                url, "SELECT gid FROM pg_prepared_xacts WHERE database = current_database()");
    }

    private static List<String> strings(String url, String query) throws SQLException {
        List<String> values = new ArrayList<>();
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery(query)) {
            while (rows.next()) {
                values.add(rows.getString(1));
            }
        }
        values.sort(null);
        return values;
    }

    /**
     * Runs {@code sql} in an XA transaction with an id of Flink's sink's format, and prepares it.
     */
    private static void prepareFlinkTransaction(String url, String sql, int branch)
            throws Exception {
        PGXADataSource source = new PGXADataSource();
        source.setUrl(url);
        source.setUser("postgres");
        XAConnection connection = source.getXAConnection();
        try {
            XAResource resource = connection.getXAResource();
            Xid xid =
                    new Xid() {
                        @Override
                        public int getFormatId() {
                            return 202;
                        }

                        @Override
                        public byte[] getGlobalTransactionId() {
                            return new byte[] {9, 9, 9, (byte) branch};
                        }

                        @Override
                        public byte[] getBranchQualifier() {
                            return new byte[] {(byte) branch};
                        }
                    };
            resource.start(xid, XAResource.TMNOFLAGS);
            try (Statement statement = connection.getConnection().createStatement()) {
                statement.execute(sql);
            }
            resource.end(xid, XAResource.TMSUCCESS);
            resource.prepare(xid);
        } finally {
            connection.close();
        }
    }
}
