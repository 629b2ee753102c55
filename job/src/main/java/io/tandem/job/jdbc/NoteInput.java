package io.tandem.job.jdbc;

import io.tandem.job.Inputs;
import io.tandem.source.RawRecord;
import java.lang.reflect.Field;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.jdbc.core.datastream.source.JdbcSource;
import org.apache.flink.connector.jdbc.core.datastream.source.JdbcSourceBuilder;
import org.apache.flink.connector.jdbc.split.JdbcNumericBetweenParametersProvider;

/**
 * A bounded read of OMOP {@code NOTE} (or of a query returning {@code note_id} and {@code
 * note_text}) through Flink's {@link JdbcSource}: split into {@code note_id} ranges that the
 * reading subtasks share, each range streamed in {@code note_id} order. Checkpoints keep which
 * ranges are done. Followed ({@link Follow}), the same readers read the ranges that {@link
 * NoteFollowSource} finds above what it has read.
 */
public final class NoteInput {
    /**
     * Follow mode: poll every {@code interval} for notes above the highest note_id read.
     *
     * @param gapTimeout how long a missing note_id below the highest is waited for (an insert
     *     committed after a higher one)
     */
    public record Follow(Duration interval, Duration gapTimeout) {}

    /** Rows fetched per round trip; PostgreSQL streams a result only outside auto-commit. */
    private static final int FETCH_SIZE = 1000;

    private static final int SPLITS_PER_READER = 8;
    private static final Pattern TABLE_NAME =
            Pattern.compile("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?");

    private NoteInput() {}

    /**
     * Checks the table or query and reads the {@code note_id} range and row count.
     *
     * @param query the query to read, or null to read {@code table}
     * @param splits note_id ranges, or null for {@value #SPLITS_PER_READER} per reader
     * @param follow null to read the notes there are and end
     * @param connect false to check the options only: no source, nothing read from the database
     * @throws IllegalArgumentException naming the table or query and what is wrong with it
     */
    public static Inputs resolve(
            JdbcConnection connection,
            String table,
            String query,
            Integer splits,
            int readers,
            Follow follow,
            boolean connect) {
        String origin;
        String from;
        if (query != null) {
            origin = "query";
            from = "(" + query + ") AS notes";
        } else {
            if (!TABLE_NAME.matcher(table).matches()) {
                throw new IllegalArgumentException(
                        JdbcOptions.INPUT_TABLE.key()
                                + ": '"
                                + table
                                + "' is not a table name; expected e.g. note or cdm.note");
            }
            origin = table;
            from = table;
        }
        String what =
                query != null
                        ? JdbcOptions.INPUT_QUERY.key() + " '" + query + "'"
                        : "table '" + table + "'";
        int parallelism = Math.max(1, readers);
        int ranges = splits != null ? splits : SPLITS_PER_READER * parallelism;
        String description =
                "PostgreSQL "
                        + connection
                        + ", "
                        + what
                        + (follow == null
                                ? ", " + ranges + " note_id ranges"
                                : ", followed: new note_ids every "
                                        + follow.interval().toMillis()
                                        + " ms, up to "
                                        + ranges
                                        + " ranges a poll, a missing note_id waited for "
                                        + follow.gapTimeout().toMillis()
                                        + " ms");
        if (!connect) {
            return new Inputs(null, parallelism, 0, description);
        }
        if (ranges < 1) {
            throw new IllegalArgumentException(
                    JdbcOptions.READ_SPLITS.key() + ": '" + ranges + "' must be at least 1");
        }
        long min;
        long max;
        long count;
        try (Connection db = connection.open();
                Statement statement = db.createStatement()) {
            checkColumns(statement, from, what);
            if (follow != null) {
                return new Inputs(
                        new NoteFollowSource(
                                // The enumerator makes the ranges; this one range is never
                                // enumerated.
                                reading(
                                        connection,
                                        from,
                                        origin,
                                        new JdbcNumericBetweenParametersProvider(0, 0)),
                                new NoteFollowEnumerator.Settings(
                                        connection,
                                        from,
                                        rangeQuery(from),
                                        follow.interval(),
                                        ranges,
                                        follow.gapTimeout())),
                        parallelism,
                        0,
                        description);
            }
            try (ResultSet range =
                    statement.executeQuery(
                            "SELECT min(note_id), max(note_id), count(*) FROM " + from)) {
                range.next();
                min = range.getLong(1);
                max = range.getLong(2);
                count = range.getLong(3);
            }
        } catch (SQLException e) {
            throw new IllegalArgumentException(
                    connection.url() + ": cannot read " + what + ": " + e.getMessage());
        }
        JdbcNumericBetweenParametersProvider between =
                new JdbcNumericBetweenParametersProvider(min, Math.max(min, max))
                        .ofBatchNum((int) Math.max(1, Math.min(ranges, max - min + 1)));
        int splitCount = between.getParameterValues().length;
        return new Inputs(
                reading(connection, from, origin, between),
                Math.max(1, Math.min(parallelism, count == 0 ? 1 : splitCount)),
                count,
                description);
    }

    /** A note_id range of NOTE (the two parameters), in note_id order. */
    private static String rangeQuery(String from) {
        return "SELECT * FROM " + from + " WHERE note_id BETWEEN ? AND ? ORDER BY note_id";
    }

    /**
     * The JDBC source reading the ranges {@code between} gives; followed, its readers serve {@link
     * NoteFollowSource}, whose enumerator makes the ranges instead.
     */
    private static JdbcSource<RawRecord> reading(
            JdbcConnection connection,
            String from,
            String origin,
            JdbcNumericBetweenParametersProvider between) {
        JdbcSourceBuilder<RawRecord> builder =
                JdbcSource.<RawRecord>builder()
                        .setDBUrl(connection.url())
                        .setDriverName(org.postgresql.Driver.class.getName())
                        .setSql(rangeQuery(from))
                        .setJdbcParameterValuesProvider(between)
                        .setResultExtractor(new NoteRowExtractor(origin))
                        .setTypeInformation(TypeInformation.of(RawRecord.class))
                        .setAutoCommit(false)
                        .setResultSetFetchSize(FETCH_SIZE)
                        // Exactly-once reading would need a scrollable result, which PostgreSQL's
                        // driver holds in memory whole; a split read again after a restore only
                        // rewrites the same rows, which the NOTE_NLP sink skips.
                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE);
        return withConnectionPerFetcher(builder.build(), connection);
    }

    /**
     * The source with a connection per split fetcher ({@link PerThreadConnectionProvider}). The
     * builder of connector 4.0.0-2.0 replaces any provider it is given by its own shared one, so
     * the field is set once built.
     */
    private static JdbcSource<RawRecord> withConnectionPerFetcher(
            JdbcSource<RawRecord> source, JdbcConnection connection) {
        try {
            Field provider = JdbcSource.class.getDeclaredField("connectionProvider");
            provider.setAccessible(true);
            provider.set(source, new PerThreadConnectionProvider(connection.connectionOptions()));
            return source;
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "JdbcSource has no connectionProvider field: another connector version?", e);
        }
    }

    private static void checkColumns(Statement statement, String from, String what)
            throws SQLException {
        Set<String> names = new HashSet<>();
        try (ResultSet empty = statement.executeQuery("SELECT * FROM " + from + " WHERE false")) {
            ResultSetMetaData columns = empty.getMetaData();
            for (int i = 1; i <= columns.getColumnCount(); i++) {
                names.add(columns.getColumnLabel(i).toLowerCase(Locale.ROOT));
            }
        }
        for (String needed :
                new String[] {NoteRowExtractor.ID_COLUMN, NoteRowExtractor.TEXT_COLUMN}) {
            if (!names.contains(needed)) {
                throw new IllegalArgumentException(
                        what
                                + " has no column "
                                + needed
                                + "; expected OMOP NOTE's note_id and note_text, got "
                                + names);
            }
        }
    }
}
