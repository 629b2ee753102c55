package io.tandem.job;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The build's version, from a resource Maven fills in ({@code io/tandem/job/version.properties}).
 */
public final class TandemVersion {
    private static final String RESOURCE = "version.properties";

    private TandemVersion() {}

    public static String get() {
        try (InputStream in = TandemVersion.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(
                        "io/tandem/job/" + RESOURCE + " is missing from the classpath");
            }
            Properties properties = new Properties();
            properties.load(in);
            return properties.getProperty("version");
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read io/tandem/job/" + RESOURCE, e);
        }
    }
}
