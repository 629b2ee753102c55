package io.tandem.job.jdbc;

import java.io.IOException;
import java.io.Reader;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeSet;
import org.apache.flink.connector.jdbc.JdbcConnectionOptions;

/**
 * A JDBC URL and its connection properties. Credentials come from a properties file or the
 * environment, never from the command line: a URL carrying a password is refused, and {@link
 * #toString()} names property keys only.
 */
public final class JdbcConnection implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String URL_PREFIX = "jdbc:";
    static final String USER = "user";
    static final String PASSWORD = "password";

    private final String url;
    private final Properties properties;
    private final String credentialsFrom;

    private JdbcConnection(String url, Properties properties, String credentialsFrom) {
        this.url = url;
        this.properties = properties;
        this.credentialsFrom = credentialsFrom;
    }

    public static boolean isJdbcUrl(String spec) {
        return spec != null && spec.startsWith(URL_PREFIX);
    }

    /**
     * @param propertiesFile a properties file (user, password, ssl...), or null to take user and
     *     password from the environment
     * @param environment TANDEM_JDBC_USER and TANDEM_JDBC_PASSWORD, else PGUSER and PGPASSWORD
     */
    public static JdbcConnection of(
            String url, String propertiesFile, Map<String, String> environment) {
        if (!url.startsWith("jdbc:postgresql:")) {
            throw new IllegalArgumentException(
                    "'" + url + "' is not a PostgreSQL URL; expected jdbc:postgresql://host/db");
        }
        String query = url.contains("?") ? url.substring(url.indexOf('?') + 1) : "";
        for (String parameter : query.split("&")) {
            if (parameter.toLowerCase(Locale.ROOT).startsWith(PASSWORD + "=")) {
                throw new IllegalArgumentException(
                        "The JDBC URL carries a password, which would show in the process list"
                                + " and the logs; expected it in "
                                + JdbcOptions.PROPERTIES.key()
                                + " or TANDEM_JDBC_PASSWORD");
            }
        }
        if (propertiesFile != null) {
            return new JdbcConnection(
                    url, load(propertiesFile), "file " + Path.of(propertiesFile).getFileName());
        }
        Properties properties = new Properties();
        String from = "";
        for (String prefix : new String[] {"TANDEM_JDBC_", "PG"}) {
            String user = environment.get(prefix + "USER");
            String password = environment.get(prefix + "PASSWORD");
            if (user != null || password != null) {
                if (user != null) {
                    properties.setProperty(USER, user);
                }
                if (password != null) {
                    properties.setProperty(PASSWORD, password);
                }
                from = "environment " + prefix + "USER/" + prefix + "PASSWORD";
                break;
            }
        }
        return new JdbcConnection(url, properties, from.isEmpty() ? "none" : from);
    }

    private static Properties load(String file) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    JdbcOptions.PROPERTIES.key()
                            + ": '"
                            + file
                            + "' does not exist; expected a JDBC properties file (user,"
                            + " password...)");
        }
        Properties properties = new Properties();
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    JdbcOptions.PROPERTIES.key() + ": '" + file + "' cannot be read: " + e);
        }
        return properties;
    }

    public String url() {
        return url;
    }

    public Connection open() throws SQLException {
        return DriverManager.getConnection(url, properties);
    }

    /** The connection options of Flink's JDBC source and sink. */
    public JdbcConnectionOptions connectionOptions() {
        JdbcConnectionOptions.JdbcConnectionOptionsBuilder builder =
                new JdbcConnectionOptions.JdbcConnectionOptionsBuilder()
                        .withUrl(url)
                        .withDriverName(org.postgresql.Driver.class.getName());
        for (String key : properties.stringPropertyNames()) {
            String value = properties.getProperty(key);
            switch (key) {
                case USER -> builder.withUsername(value);
                case PASSWORD -> builder.withPassword(value);
                default -> builder.withProperty(key, value);
            }
        }
        return builder.build();
    }

    Properties properties() {
        return properties;
    }

    /** The URL and the property names, never their values. */
    @Override
    public String toString() {
        return url
                + " (credentials from "
                + credentialsFrom
                + ", properties "
                + new TreeSet<>(properties.stringPropertyNames())
                + ")";
    }
}
