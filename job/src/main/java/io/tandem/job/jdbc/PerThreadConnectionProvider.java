package io.tandem.job.jdbc;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;
import org.apache.flink.connector.jdbc.datasource.connections.JdbcConnectionProvider;
import org.apache.flink.connector.jdbc.datasource.connections.SimpleJdbcConnectionProvider;

/**
 * One connection per thread. {@code JdbcSource}'s reader shares one provider between its split
 * fetchers, each a thread of its own, and closes the connection when a fetcher goes idle: with one
 * shared connection, the fetcher of the next split then finds its socket closed under it. Here each
 * fetcher closes only its own.
 */
final class PerThreadConnectionProvider implements JdbcConnectionProvider {
    private static final long serialVersionUID = 1L;

    private final JdbcConnectionOptions options;
    private transient Map<Thread, SimpleJdbcConnectionProvider> byThread;

    PerThreadConnectionProvider(JdbcConnectionOptions options) {
        this.options = options;
    }

    private synchronized Map<Thread, SimpleJdbcConnectionProvider> providers() {
        if (byThread == null) {
            byThread = new ConcurrentHashMap<>();
        }
        return byThread;
    }

    private SimpleJdbcConnectionProvider own() {
        return providers()
                .computeIfAbsent(
                        Thread.currentThread(), t -> new SimpleJdbcConnectionProvider(options));
    }

    @Override
    public Connection getConnection() {
        return own().getConnection();
    }

    @Override
    public boolean isConnectionValid() throws SQLException {
        return own().isConnectionValid();
    }

    @Override
    public Connection getOrEstablishConnection() throws SQLException, ClassNotFoundException {
        return own().getOrEstablishConnection();
    }

    @Override
    public void closeConnection() {
        SimpleJdbcConnectionProvider provider = providers().remove(Thread.currentThread());
        if (provider != null) {
            provider.closeConnection();
        }
    }

    @Override
    public Connection reestablishConnection() throws SQLException, ClassNotFoundException {
        return own().reestablishConnection();
    }

    /** Closes every thread's connection. */
    @Override
    public void close() {
        for (SimpleJdbcConnectionProvider provider : providers().values()) {
            provider.closeConnection();
        }
        providers().clear();
    }
}
