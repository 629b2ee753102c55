package io.tandem.job;

import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Options of the local run's web dashboard (Flink's own, with its REST API), read by {@link WebUi}.
 * A job submitted to a cluster uses the cluster's dashboard instead.
 */
@Internal
public final class WebUiOptions {
    private WebUiOptions() {}

    /** The port {@code --web-ui} takes without a value. */
    public static final int DEFAULT_PORT = 8081;

    public static final String DEFAULT_BIND = "127.0.0.1";

    public static final ConfigOption<Integer> PORT =
            ConfigOptions.key("tandem.web-ui.port")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Serve Flink's web dashboard of a local run on this port (0: any free"
                                    + " port). Unset: no fixed port, and the dashboard URL is not"
                                    + " printed.");

    public static final ConfigOption<String> BIND =
            ConfigOptions.key("tandem.web-ui.bind")
                    .stringType()
                    .defaultValue(DEFAULT_BIND)
                    .withDescription(
                            "Address the local run's REST endpoint and dashboard listen on; the"
                                    + " default keeps them off the network.");

    public static final ConfigOption<Duration> LINGER =
            ConfigOptions.key("tandem.web-ui.linger")
                    .durationType()
                    .defaultValue(Duration.ZERO)
                    .withDescription(
                            "How long the dashboard stays up after the job ends, so that the"
                                    + " finished job can still be looked at.");
}
