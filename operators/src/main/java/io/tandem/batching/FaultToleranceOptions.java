package io.tandem.batching;

import java.time.Duration;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** The keys of {@link FaultTolerance}: the forward time limit and the circuit breaker. */
public final class FaultToleranceOptions {
    private FaultToleranceOptions() {}

    public static final ConfigOption<Duration> FORWARD_TIMEOUT =
            ConfigOptions.key("tandem.forward-timeout")
                    .durationType()
                    .defaultValue(FaultTolerance.DEFAULTS.forwardTimeout())
                    .withDescription(
                            "A forward pass that runs longer is terminated (ONNX Runtime's"
                                    + " RunOptions terminate) and fails its batch, whose documents"
                                    + " are then split to find the one that hangs.");

    public static final ConfigOption<Duration> FORWARD_RETRY_TIMEOUT =
            ConfigOptions.key("tandem.forward-retry-timeout")
                    .durationType()
                    .defaultValue(FaultTolerance.DEFAULTS.forwardRetryTimeout())
                    .withDescription(
                            "The most a forward pass may take while a batch that ran past"
                                    + " tandem.forward-timeout is split: each such pass is"
                                    + " limited to 10 x the p99 time per row of the subtask's"
                                    + " healthy passes times its rows, at least 1 s, at most"
                                    + " this (and at most tandem.forward-timeout). A hung"
                                    + " document so costs one full timeout and a few short ones;"
                                    + " a healthy pass of half a batch must fit in it.");

    public static final ConfigOption<Boolean> BREAKER_ENABLED =
            ConfigOptions.key("tandem.circuit-breaker.enabled")
                    .booleanType()
                    .defaultValue(FaultTolerance.DEFAULTS.breakerEnabled())
                    .withDescription(
                            "Fail the job when most documents fail in a model stage, instead of"
                                    + " dead-lettering them all.");

    public static final ConfigOption<Double> BREAKER_FAILURE_RATIO =
            ConfigOptions.key("tandem.circuit-breaker.failure-ratio")
                    .doubleType()
                    .defaultValue(FaultTolerance.DEFAULTS.breakerFailureRatio())
                    .withDescription(
                            "The circuit breaker trips when more than this share of the recent"
                                    + " documents failed in a model stage.");

    public static final ConfigOption<Integer> BREAKER_WINDOW =
            ConfigOptions.key("tandem.circuit-breaker.window")
                    .intType()
                    .defaultValue(FaultTolerance.DEFAULTS.breakerWindow())
                    .withDescription("How many recent documents the failure ratio is taken over.");

    public static final ConfigOption<Integer> BREAKER_MIN_DOCUMENTS =
            ConfigOptions.key("tandem.circuit-breaker.min-documents")
                    .intType()
                    .defaultValue(FaultTolerance.DEFAULTS.breakerMinDocuments())
                    .withDescription(
                            "The circuit breaker judges only after this many documents; before a"
                                    + " checkpoint that would commit model-stage dead letters it"
                                    + " judges the last this many.");
}
