package io.tandem.job;

import io.tandem.job.options.OptionReader;
import java.net.URI;
import java.time.Duration;
import java.util.OptionalInt;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.WebOptions;

/**
 * The local run's web dashboard: where Flink's REST endpoint listens, and how long it outlives the
 * job. Every local run binds its REST endpoint to {@link #bind()} (loopback by default), so a run
 * opens no port to the network unless told to.
 *
 * @param port the fixed port (0: any free one); empty: no dashboard asked for
 * @param bind the address to listen on
 * @param linger how long the cluster stays up after the job ends
 */
public record WebUi(OptionalInt port, String bind, Duration linger) {

    /** No dashboard asked for; the REST endpoint still listens on loopback only. */
    public static final WebUi OFF =
            new WebUi(OptionalInt.empty(), WebUiOptions.DEFAULT_BIND, Duration.ZERO);

    /** Reads the {@code tandem.web-ui.*} keys. */
    static WebUi from(OptionReader options) {
        OptionalInt port =
                options.optionalInt(WebUiOptions.PORT, 0, String.valueOf(WebUiOptions.DEFAULT_PORT))
                        .map(OptionalInt::of)
                        .orElse(OptionalInt.empty());
        if (port.isPresent() && port.getAsInt() > 65535) {
            throw OptionReader.invalid(
                    WebUiOptions.PORT,
                    String.valueOf(port.getAsInt()),
                    "a port",
                    "0 to 65535, e.g. " + WebUiOptions.DEFAULT_PORT);
        }
        String bind =
                options.string(WebUiOptions.BIND)
                        .orElseThrow(
                                () ->
                                        OptionReader.invalid(
                                                WebUiOptions.BIND,
                                                "",
                                                "an address",
                                                "e.g. "
                                                        + WebUiOptions.DEFAULT_BIND
                                                        + " or 0.0.0.0"));
        return new WebUi(port, bind, options.duration(WebUiOptions.LINGER, Duration.ZERO));
    }

    public boolean enabled() {
        return port.isPresent();
    }

    /**
     * Sets Flink's REST options of a local cluster, keeping what the configuration already says
     * about the REST endpoint.
     */
    void applyTo(Configuration configuration) {
        if (!configuration.contains(RestOptions.BIND_ADDRESS)) {
            configuration.set(RestOptions.BIND_ADDRESS, bind);
        }
        if (!configuration.contains(RestOptions.ADDRESS)) {
            configuration.set(RestOptions.ADDRESS, clientAddress());
        }
        if (enabled()) {
            configuration.set(RestOptions.BIND_PORT, String.valueOf(port.getAsInt()));
            // A local dashboard shows the job; it need not accept jars to run.
            if (!configuration.contains(WebOptions.SUBMIT_ENABLE)) {
                configuration.set(WebOptions.SUBMIT_ENABLE, false);
            }
        }
    }

    /** Where a client on this host reaches an endpoint bound to {@link #bind()}. */
    private String clientAddress() {
        return bind.equals("0.0.0.0") || bind.equals("::") ? "127.0.0.1" : bind;
    }

    /** The job's page on the dashboard at {@code base}. */
    public static URI jobPage(URI base, JobID job) {
        String root = base.toString().endsWith("/") ? base.toString() : base + "/";
        return URI.create(root + "#/job/running/" + job + "/overview");
    }

    /** One line for {@link JobSetup#describe()}. */
    public String describe() {
        return (enabled() ? "port " + port.getAsInt() : "off")
                + ", bind "
                + bind
                + ", linger "
                + linger.toMillis()
                + " ms";
    }
}
