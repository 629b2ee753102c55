package io.tandem.job.jdbc;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A real PostgreSQL server for the JDBC tests: zonky's embedded binaries (PostgreSQL 17, from
 * Maven) started once per test JVM and stopped when the run ends, shared by every class that
 * registers the extension. Each test makes its own database with {@link #newOmopDatabase}. The
 * server allows prepared transactions ({@value #MAX_PREPARED_TRANSACTIONS}), which the XA output
 * needs; {@link #startServer} starts another with other settings.
 */
public final class PostgresExtension implements BeforeAllCallback {
    /** NOTE and NOTE_NLP as the OMOP CDM v5.4 DDL for PostgreSQL states them, primary keys too. */
    static final String OMOP_DDL = "/omop/OMOPCDM_postgresql_5.4_note.sql";

    /** The dead-letter table, as tandem.jar ships it. */
    static final String DEAD_LETTER_DDL = "/omop/note_nlp_dead_letter.sql";

    /** The shared server's max_prepared_transactions (PostgreSQL's default, 0, refuses XA). */
    static final int MAX_PREPARED_TRANSACTIONS = 10;

    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        serverFor(context);
    }

    private static synchronized EmbeddedPostgres serverFor(ExtensionContext context)
            throws IOException {
        if (server == null) {
            server =
                    EmbeddedPostgres.builder()
                            .setServerConfig(
                                    "max_prepared_transactions",
                                    String.valueOf(MAX_PREPARED_TRANSACTIONS))
                            .start();
            EmbeddedPostgres started = server;
            // The root context closes its resources when the whole run ends.
            context.getRoot()
                    .getStore(ExtensionContext.Namespace.GLOBAL)
                    .put(
                            PostgresExtension.class.getName(),
                            (ExtensionContext.Store.CloseableResource)
                                    () -> {
                                        synchronized (PostgresExtension.class) {
                                            started.close();
                                            server = null;
                                        }
                                    });
        }
        return server;
    }

    /**
     * A new database holding OMOP's NOTE and NOTE_NLP (from the DDL's own text) and Tandem's
     * dead-letter table.
     *
     * @return its JDBC URL, without credentials (the embedded server trusts local connections)
     */
    public String newOmopDatabase(String name) throws SQLException {
        return newOmopDatabase(server, name);
    }

    /** {@link #newOmopDatabase(String)} on another server, e.g. one of {@link #startServer}. */
    static String newOmopDatabase(EmbeddedPostgres on, String name) throws SQLException {
        String database = name + "_" + DATABASES.incrementAndGet();
        try (Connection admin = on.getPostgresDatabase().getConnection();
                Statement statement = admin.createStatement()) {
            statement.execute("CREATE DATABASE " + database);
        }
        String url = "jdbc:postgresql://localhost:" + on.getPort() + "/" + database;
        try (Connection db = DriverManager.getConnection(url, "postgres", "");
                Statement statement = db.createStatement()) {
            statement.execute(resource(OMOP_DDL));
            statement.execute(resource(DEAD_LETTER_DDL));
        }
        return url;
    }

    /**
     * A server of its own with these settings (postgresql.conf keys), for a test that needs other
     * settings than the shared server's; the caller closes it.
     */
    static EmbeddedPostgres startServer(Map<String, String> settings) throws IOException {
        EmbeddedPostgres.Builder builder = EmbeddedPostgres.builder();
        settings.forEach(builder::setServerConfig);
        return builder.start();
    }

    public String url(String database) {
        return "jdbc:postgresql://localhost:" + server.getPort() + "/" + database;
    }

    public static Connection connect(String url) throws SQLException {
        return DriverManager.getConnection(url, "postgres", "");
    }

    static String resource(String path) {
        try (InputStream in = PostgresExtension.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException(path + " is not on the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
