package io.tandem.job.jdbc;

import io.tandem.omop.NoteNlpDeadLetterRow;
import io.tandem.omop.NoteNlpRow;
import io.tandem.omop.NoteNlpRows;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Pattern;
import org.apache.flink.connector.jdbc.JdbcExactlyOnceOptions;
import org.apache.flink.connector.jdbc.JdbcExecutionOptions;
import org.apache.flink.connector.jdbc.JdbcStatementBuilder;
import org.apache.flink.connector.jdbc.core.datastream.sink.JdbcSink;
import org.postgresql.xa.PGXADataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes {@code NOTE_NLP} rows and dead letters through Flink's JDBC sink, exactly once by
 * idempotence: every row has a deterministic key ({@code note_nlp_id} from a hash, see {@link
 * #sql()}; {@code dead_letter_id}), and the one statement the sink batches skips a row already
 * written. A row written again after a restart, from a checkpoint or from scratch, changes nothing.
 * Entities and dead letters go through the same statement, so a batch (flushed when full and on
 * every checkpoint) commits both together.
 *
 * <p>With {@link JdbcOptions.Commit#XA} the same statement runs inside Flink's XA sink instead: one
 * transaction per checkpoint, prepared when the checkpoint is taken and committed when it completes
 * (see {@link #sink()}).
 */
public final class JdbcNoteNlpOutput {
    private static final Pattern TABLE_NAME =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    /** One writer: the probe for a free note_nlp_id must not race another writer's. */
    public static final int WRITERS = 1;

    /**
     * Prepared transactions the XA sink may hold at once: per writer, a checkpoint's transaction
     * prepared while the one of the checkpoint before still awaits its commit.
     */
    public static final int PREPARED_TRANSACTIONS_NEEDED = 2 * WRITERS;

    /** The format id of the XA transaction ids of Flink's JDBC sink ({@code TransactionId}). */
    private static final String FLINK_XID_FORMAT = "202";

    private static final Logger LOG = LoggerFactory.getLogger(JdbcNoteNlpOutput.class);

    private final JdbcConnection connection;
    private final String table;
    private final String deadLetterTable;
    private final int batchSize;
    private final JdbcOptions.Commit commit;

    public JdbcNoteNlpOutput(
            JdbcConnection connection, String table, String deadLetterTable, int batchSize) {
        this(connection, table, deadLetterTable, batchSize, JdbcOptions.Commit.IDEMPOTENT);
    }

    public JdbcNoteNlpOutput(
            JdbcConnection connection,
            String table,
            String deadLetterTable,
            int batchSize,
            JdbcOptions.Commit commit) {
        this.connection = connection;
        this.commit = commit;
        this.table = tableName(JdbcOptions.OUTPUT_TABLE.key(), table);
        this.deadLetterTable = tableName(JdbcOptions.DEAD_LETTER_TABLE.key(), deadLetterTable);
        this.batchSize = batchSize;
        if (this.table.equalsIgnoreCase(this.deadLetterTable)) {
            throw new IllegalArgumentException(
                    JdbcOptions.OUTPUT_TABLE.key()
                            + " and "
                            + JdbcOptions.DEAD_LETTER_TABLE.key()
                            + " are both '"
                            + table
                            + "'; expected two tables");
        }
    }

    private static String tableName(String key, String name) {
        if (!TABLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    key + ": '" + name + "' is not a table name; expected e.g. note_nlp");
        }
        return name;
    }

    public JdbcConnection connection() {
        return connection;
    }

    public String table() {
        return table;
    }

    public String deadLetterTable() {
        return deadLetterTable;
    }

    public JdbcOptions.Commit commit() {
        return commit;
    }

    /**
     * Fails fast, before the job starts, when the rows could not be written exactly once: a table
     * missing, or no unique key on the column its {@code ON CONFLICT} names (PostgreSQL would then
     * fail every batch, and Flink restart the job forever). With XA, also a server that refuses
     * prepared transactions; and it rolls back those an earlier, killed run left on the tables.
     *
     * @throws IllegalArgumentException naming the table and what it lacks
     */
    public void check() {
        try (Connection db = connection.open()) {
            checkUniqueKey(db, table, "note_nlp_id", "the OMOP DDL's primary key xpk_note_nlp");
            checkUniqueKey(
                    db,
                    deadLetterTable,
                    "dead_letter_id",
                    "its primary key (see omop/note_nlp_dead_letter.sql in tandem.jar)");
            if (commit == JdbcOptions.Commit.XA) {
                checkPreparedTransactions(db);
                rollBackLeftOverTransactions(db);
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException(
                    connection.url() + ": cannot check the output tables: " + e.getMessage());
        }
    }

    /**
     * PostgreSQL refuses {@code PREPARE TRANSACTION} when {@code max_prepared_transactions} is 0,
     * its default: every checkpoint would fail, and Flink restart the job forever.
     */
    private void checkPreparedTransactions(Connection db) throws SQLException {
        int allowed;
        try (Statement statement = db.createStatement();
                ResultSet show = statement.executeQuery("SHOW max_prepared_transactions")) {
            show.next();
            allowed = Integer.parseInt(show.getString(1));
        }
        if (allowed < PREPARED_TRANSACTIONS_NEEDED) {
            throw new IllegalArgumentException(
                    "PostgreSQL at "
                            + connection.url()
                            + " has max_prepared_transactions = "
                            + allowed
                            + "; "
                            + JdbcOptions.COMMIT.key()
                            + " xa needs at least "
                            + PREPARED_TRANSACTIONS_NEEDED
                            + " (a transaction prepared per checkpoint): set"
                            + " max_prepared_transactions = 10 in postgresql.conf (or ALTER SYSTEM"
                            + " SET max_prepared_transactions = 10) and restart PostgreSQL, or use "
                            + JdbcOptions.COMMIT.key()
                            + " idempotent");
        }
    }

    /**
     * A run killed between a checkpoint's prepare and its commit leaves its transaction prepared,
     * holding the locks of the rows it inserted. Flink's sink rolls back only the transactions of
     * its own job (a restart from a checkpoint); a new run of the same command is a new job, whose
     * inserts of the same {@code note_nlp_id}s would wait on those locks forever. The tables have
     * one writer, so a prepared transaction of Flink's sink that holds a lock on them is a dead
     * run's: this rolls it back, and the run rewrites its rows (it reads NOTE from the start).
     */
    private void rollBackLeftOverTransactions(Connection db) throws SQLException {
        List<String> left = new ArrayList<>();
        try (PreparedStatement query =
                db.prepareStatement(
                        "SELECT p.gid FROM pg_prepared_xacts p"
                                + " WHERE p.database = current_database() AND p.gid LIKE ?"
                                + " AND EXISTS (SELECT 1 FROM pg_locks own JOIN pg_locks held"
                                + " ON held.virtualtransaction = own.virtualtransaction"
                                + " WHERE own.locktype = 'transactionid'"
                                + " AND own.transactionid = p.transaction AND own.pid IS NULL"
                                + " AND held.locktype = 'relation'"
                                + " AND held.relation IN (to_regclass(?), to_regclass(?)))"
                                + " ORDER BY p.prepared")) {
            query.setString(1, FLINK_XID_FORMAT + "\\_%");
            query.setString(2, table);
            query.setString(3, deadLetterTable);
            try (ResultSet rows = query.executeQuery()) {
                while (rows.next()) {
                    left.add(rows.getString(1));
                }
            }
        }
        for (String gid : left) {
            try (Statement statement = db.createStatement()) {
                statement.execute("ROLLBACK PREPARED '" + gid.replace("'", "''") + "'");
            }
        }
        if (!left.isEmpty()) {
            LOG.warn(
                    "Rolled back {} prepared transaction(s) an earlier run left on {} and {}: {};"
                            + " their rows are written again by this run",
                    left.size(),
                    table,
                    deadLetterTable,
                    left);
        }
    }

    private static void checkUniqueKey(Connection db, String table, String column, String hint)
            throws SQLException {
        String schema = null;
        String name = table;
        if (table.contains(".")) {
            schema = table.substring(0, table.indexOf('.'));
            name = table.substring(table.indexOf('.') + 1);
        }
        DatabaseMetaData meta = db.getMetaData();
        name = name.toLowerCase(Locale.ROOT);
        schema = schema == null ? null : schema.toLowerCase(Locale.ROOT);
        try (ResultSet tables = meta.getTables(null, schema, name, null)) {
            if (!tables.next()) {
                throw new IllegalArgumentException(
                        "Table '" + table + "' does not exist in " + db.getMetaData().getURL());
            }
        }
        Map<String, List<String>> uniqueIndexes = new HashMap<>();
        try (ResultSet indexes = meta.getIndexInfo(null, schema, name, true, false)) {
            while (indexes.next()) {
                String index = indexes.getString("INDEX_NAME");
                String indexColumn = indexes.getString("COLUMN_NAME");
                if (index != null && indexColumn != null) {
                    uniqueIndexes
                            .computeIfAbsent(index, k -> new ArrayList<>())
                            .add(indexColumn.toLowerCase(Locale.ROOT));
                }
            }
        }
        if (!uniqueIndexes.containsValue(List.of(column))) {
            throw new IllegalArgumentException(
                    "Table '"
                            + table
                            + "' has no primary key or unique index on "
                            + column
                            + " alone; expected "
                            + hint
                            + ": rerun rows are skipped by ON CONFLICT ("
                            + column
                            + ")");
        }
    }

    /**
     * The one statement: a NOTE_NLP row or a dead letter, whichever the row is.
     *
     * <p>OMOP declares {@code note_nlp_id} an {@code integer}, so a 31-bit hash meets another
     * entity's now and then (about 20 times in 300,000 entities). The entity therefore takes the
     * first free id of the {@value #PROBES} from its hash on, unless one of them already holds it
     * (same note, offset, text, system and modifiers): written by an earlier try, it is skipped.
     * One writer at a time keeps that probe exact.
     */
    String sql() {
        return "WITH entity AS (INSERT INTO "
                + table
                + " (note_nlp_id, note_id, snippet, \"offset\", lexical_variant,"
                + " note_nlp_concept_id, note_nlp_source_concept_id, nlp_system, nlp_date,"
                + " nlp_datetime, term_exists, term_temporal, term_modifiers)"
                + " SELECT COALESCE((SELECT row.first_id WHERE NOT EXISTS (SELECT 1 FROM "
                + table
                + " taken WHERE taken.note_nlp_id = row.first_id)),"
                + " (SELECT min(k) FROM generate_series(row.first_id + 1, row.first_id + "
                + (PROBES - 1)
                + ") AS k WHERE NOT EXISTS (SELECT 1 FROM "
                + table
                + " taken WHERE taken.note_nlp_id = k))),"
                + " row.note_id, row.snippet, row.note_offset,"
                + " row.lexical_variant, row.concept_id, 0, row.nlp_system, row.nlp_date,"
                + " row.nlp_datetime, row.term_exists, row.term_temporal, row.term_modifiers"
                + " FROM (SELECT ?::integer AS first_id, ?::integer AS note_id,"
                + " ?::varchar AS snippet, ?::varchar AS note_offset,"
                + " ?::varchar AS lexical_variant, ?::integer AS concept_id,"
                + " ?::varchar AS nlp_system, ?::date AS nlp_date,"
                + " ?::timestamp AS nlp_datetime, ?::varchar AS term_exists,"
                + " ?::varchar AS term_temporal, ?::varchar AS term_modifiers,"
                + " ?::boolean AS is_entity) AS row"
                + " WHERE row.is_entity"
                + " AND NOT EXISTS (SELECT 1 FROM "
                + table
                + " written WHERE written.note_nlp_id BETWEEN row.first_id"
                + " AND row.first_id + "
                + (PROBES - 1)
                + " AND written.note_id = row.note_id"
                + " AND written.\"offset\" = row.note_offset"
                + " AND written.lexical_variant = row.lexical_variant"
                + " AND written.nlp_system IS NOT DISTINCT FROM row.nlp_system"
                + " AND written.term_modifiers IS NOT DISTINCT FROM row.term_modifiers)"
                + " ON CONFLICT (note_nlp_id) DO NOTHING)"
                + " INSERT INTO "
                + deadLetterTable
                + " (dead_letter_id, note_id, seq, source, stage, reason, error, raw, raw_bytes,"
                + " raw_truncated, meta, model, batch, device, nlp_system, nlp_datetime)"
                + " SELECT ?::integer, ?::bigint, ?::bigint, ?::varchar, ?::varchar, ?::text,"
                + " ?::varchar, ?::text, ?::integer, ?::boolean, ?::text, ?::varchar, ?::bigint,"
                + " ?::integer, ?::varchar, ?::timestamp"
                + " WHERE ?::boolean ON CONFLICT (dead_letter_id) DO NOTHING";
    }

    /** Ids an entity may take from its hash on. */
    static final int PROBES = NoteNlpRows.ID_PROBES;

    static final JdbcStatementBuilder<NoteNlpWrite> STATEMENT =
            (statement, write) -> {
                boolean entity = write.isEntity();
                NoteNlpRow row = write.entity();
                NoteNlpDeadLetterRow letter = write.deadLetter();
                int i = 1;
                i = setLong(statement, i, entity ? row.noteNlpId() : null);
                i = setLong(statement, i, entity ? row.noteId() : null);
                statement.setString(i++, entity ? row.snippet() : null);
                statement.setString(i++, entity ? row.offset() : null);
                statement.setString(i++, entity ? row.lexicalVariant() : null);
                i = setLong(statement, i, entity ? (long) row.noteNlpConceptId() : null);
                statement.setString(i++, entity ? row.nlpSystem() : null);
                statement.setObject(i++, entity ? row.nlpDate() : null, Types.DATE);
                statement.setObject(i++, entity ? row.nlpDatetime() : null, Types.TIMESTAMP);
                statement.setString(i++, entity ? row.termExists() : null);
                statement.setString(i++, entity ? row.termTemporal() : null);
                statement.setString(i++, entity ? row.termModifiers() : null);
                statement.setBoolean(i++, entity);
                i = setLong(statement, i, !entity ? (long) write.deadLetterId() : null);
                i = setLong(statement, i, !entity ? NoteNlpWrite.noteIdOf(letter) : null);
                i = setLong(statement, i, !entity ? letter.seq() : null);
                statement.setString(i++, !entity ? NoteNlpWrite.sourceJson(letter) : null);
                statement.setString(i++, !entity ? letter.stage() : null);
                statement.setString(i++, !entity ? noNul(letter.reason()) : null);
                statement.setString(i++, !entity ? letter.error() : null);
                statement.setString(i++, !entity ? noNul(letter.raw()) : null);
                i = setLong(statement, i, !entity ? (long) letter.rawBytes() : null);
                statement.setBoolean(i++, !entity && letter.rawTruncated());
                statement.setString(i++, !entity ? letter.metaJson() : null);
                statement.setString(i++, !entity ? letter.model() : null);
                i = setLong(statement, i, !entity ? letter.batch() : null);
                i =
                        setLong(
                                statement,
                                i,
                                !entity && letter.device() != null ? (long) letter.device() : null);
                statement.setString(i++, !entity ? write.nlpSystem() : null);
                statement.setObject(i++, !entity ? write.nlpDatetime() : null, Types.TIMESTAMP);
                statement.setBoolean(i, !entity);
            };

    /** PostgreSQL text cannot hold U+0000. */
    private static String noNul(String value) {
        return value == null ? null : value.replace('\u0000', '\uFFFD');
    }

    private static int setLong(PreparedStatement statement, int index, Long value)
            throws SQLException {
        if (value == null) {
            statement.setNull(index, Types.BIGINT);
        } else {
            statement.setLong(index, value);
        }
        return index + 1;
    }

    /**
     * Flink's JDBC sink. Idempotent: at least once, and the statement makes it exactly once. XA:
     * exactly once by the sink's transactions (the statement still skips rows already written,
     * which a rerun of a killed run needs: it reads NOTE from the start), with what PostgreSQL's XA
     * needs: one transaction per connection, and no retry of a failed batch (a retry inside the
     * transaction could write a row twice, FLINK-22311).
     */
    public JdbcSink<NoteNlpWrite> sink() {
        boolean xa = commit == JdbcOptions.Commit.XA;
        var builder =
                JdbcSink.<NoteNlpWrite>builder()
                        .withQueryStatement(sql(), STATEMENT)
                        .withExecutionOptions(
                                JdbcExecutionOptions.builder()
                                        .withBatchSize(batchSize)
                                        .withBatchIntervalMs(0)
                                        .withMaxRetries(xa ? 0 : 3)
                                        .build());
        if (!xa) {
            return builder.buildAtLeastOnce(connection.connectionOptions());
        }
        String url = connection.url();
        Properties properties = connection.properties();
        return builder.buildExactlyOnce(
                JdbcExactlyOnceOptions.builder().withTransactionPerConnection(true).build(),
                () -> xaDataSource(url, properties));
    }

    /**
     * How long an XA writer's statement waits for a row lock. An entity whose id meets one the
     * transaction before inserted (a hash collision, or the same id probe) waits for that
     * transaction, prepared but not committed; its commit is the committer's, which runs in the
     * writer's own task, blocked by that wait: without a limit the writer would hang until the
     * checkpoint timeout (10 minutes). With it the batch fails, and the job restarts from its last
     * checkpoint, whose transaction it commits first.
     */
    static final String XA_LOCK_TIMEOUT = "10s";

    /** pgjdbc's XA data source, with the connection's properties (credentials included). */
    static PGXADataSource xaDataSource(String url, Properties properties) {
        PGXADataSource source = new PGXADataSource();
        source.setUrl(url);
        for (String key : properties.stringPropertyNames()) {
            try {
                source.setProperty(key, properties.getProperty(key));
            } catch (SQLException e) {
                throw new IllegalArgumentException(
                        "'" + key + "' is not a pgjdbc connection property: " + e.getMessage());
            }
        }
        String options = source.getOptions();
        source.setOptions(
                (options == null || options.isBlank() ? "" : options + " ")
                        + "-c lock_timeout="
                        + XA_LOCK_TIMEOUT);
        return source;
    }

    /** For the job log: URL, property names and tables, never a secret. */
    public String describe() {
        return "PostgreSQL "
                + connection
                + ": entities to "
                + table
                + ", dead letters to "
                + deadLetterTable
                + (commit == JdbcOptions.Commit.XA
                        ? " (XA: a transaction per checkpoint; rows already written skipped by"
                                + " note_nlp_id and dead_letter_id), batches of "
                        : " (idempotent, keyed on note_nlp_id and dead_letter_id), batches of ")
                + batchSize
                + " rows";
    }
}
