package io.tandem.job.jdbc;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HashSet;
import java.util.Set;
import java.util.TreeSet;

/**
 * The follow mode's look at NOTE: the new note_ids above a position and the gaps now present, read
 * in one read-only snapshot over one connection that it keeps (opened again after an error).
 */
final class NotePoller implements AutoCloseable {
    private final JdbcConnection connection;
    private final String from;

    /** Opened by the poll, closed by the poll after an error or by the enumerator's close. */
    private volatile Connection db;

    /**
     * @param from the table, or the parenthesised query with an alias
     */
    NotePoller(JdbcConnection connection, String from) {
        this.connection = connection;
        this.from = from;
    }

    /** On the enumerator's worker thread, one poll at a time. */
    FollowPosition.Poll poll(FollowPosition at) throws SQLException {
        Connection open = db;
        if (open == null) {
            open = connection.open();
            open.setAutoCommit(false);
            open.setReadOnly(true);
            open.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            db = open;
        }
        try {
            FollowPosition.Poll poll = pollInOneSnapshot(open, at);
            open.rollback();
            return poll;
        } catch (SQLException e) {
            close();
            throw e;
        }
    }

    private FollowPosition.Poll pollInOneSnapshot(Connection db, FollowPosition at)
            throws SQLException {
        Long min = null;
        Long max = null;
        try (Statement statement = db.createStatement();
                ResultSet range =
                        statement.executeQuery(
                                "SELECT min(note_id), max(note_id) FROM "
                                        + from
                                        + (at.highest() == null
                                                ? ""
                                                : " WHERE note_id > " + at.highest()))) {
            range.next();
            if (range.getObject(2) != null) {
                min = range.getLong(1);
                max = range.getLong(2);
            }
        }
        TreeSet<Long> window = new TreeSet<>();
        if (max != null) {
            long low = Math.max(min, max - FollowPosition.GAP_WINDOW + 1);
            try (PreparedStatement ids =
                    db.prepareStatement(
                            "SELECT note_id FROM " + from + " WHERE note_id BETWEEN ? AND ?")) {
                ids.setLong(1, low);
                ids.setLong(2, max);
                try (ResultSet rows = ids.executeQuery()) {
                    while (rows.next()) {
                        window.add(rows.getLong(1));
                    }
                }
            }
        }
        Set<Long> gapsFound = new HashSet<>();
        if (!at.gaps().isEmpty()) {
            Array gaps = db.createArrayOf("bigint", at.gaps().keySet().toArray());
            try (PreparedStatement present =
                    db.prepareStatement(
                            "SELECT note_id FROM " + from + " WHERE note_id = ANY(?)")) {
                present.setArray(1, gaps);
                try (ResultSet rows = present.executeQuery()) {
                    while (rows.next()) {
                        gapsFound.add(rows.getLong(1));
                    }
                }
            } finally {
                gaps.free();
            }
        }
        return new FollowPosition.Poll(min, max, window, gapsFound);
    }

    @Override
    public void close() {
        Connection open = db;
        db = null;
        if (open != null) {
            try {
                open.close();
            } catch (SQLException ignored) {
                // closing a broken connection
            }
        }
    }
}
