package io.tandem.batching;

import io.tandem.inference.ForwardGuard;
import java.io.Serializable;
import java.time.Duration;
import java.util.Objects;

/**
 * How the model stage treats failures: the time limit of one forward pass, and when the circuit
 * breaker fails the job instead of dead-lettering on (see {@link CircuitBreaker}).
 *
 * @param forwardTimeout a longer forward pass is terminated and fails its batch
 * @param forwardRetryTimeout the most the limit of a pass may be that splits a batch after it ran
 *     past {@code forwardTimeout} (the limit is derived from the healthy passes, see {@link
 *     ForwardGuard#retryLimit})
 * @param breakerEnabled false never fails the job for failing documents
 * @param breakerFailureRatio the breaker trips when more than this share of the recent documents
 *     failed in a model stage
 * @param breakerWindow how many of the most recent documents the ratio is taken over
 * @param breakerMinDocuments the breaker judges only after this many documents; before a checkpoint
 *     it judges the last this many
 */
public record FaultTolerance(
        Duration forwardTimeout,
        Duration forwardRetryTimeout,
        boolean breakerEnabled,
        double breakerFailureRatio,
        int breakerWindow,
        int breakerMinDocuments)
        implements Serializable {

    public static final FaultTolerance DEFAULTS =
            new FaultTolerance(
                    Duration.ofSeconds(120), Duration.ofSeconds(5), true, 0.5, 1000, 100);

    public FaultTolerance {
        Objects.requireNonNull(forwardTimeout, "forwardTimeout");
        if (forwardTimeout.isNegative() || forwardTimeout.isZero()) {
            throw new IllegalArgumentException(
                    "tandem.forward-timeout must be positive, got " + forwardTimeout);
        }
        Objects.requireNonNull(forwardRetryTimeout, "forwardRetryTimeout");
        // Refuses a retry timeout that is not positive, naming its key.
        ForwardGuard.longestRetry(forwardTimeout, forwardRetryTimeout);
        if (!(breakerFailureRatio > 0 && breakerFailureRatio <= 1)) {
            throw new IllegalArgumentException(
                    "tandem.circuit-breaker.failure-ratio must be in (0, 1], got "
                            + breakerFailureRatio);
        }
        if (breakerWindow < 1) {
            throw new IllegalArgumentException(
                    "tandem.circuit-breaker.window must be >= 1, got " + breakerWindow);
        }
        if (breakerMinDocuments < 1 || breakerMinDocuments > breakerWindow) {
            throw new IllegalArgumentException(
                    "tandem.circuit-breaker.min-documents must be in [1, tandem.circuit-breaker.window = "
                            + breakerWindow
                            + "], got "
                            + breakerMinDocuments);
        }
    }

    /**
     * The longest a batch of {@code documents} can hold its model stage (and a checkpoint barrier)
     * when its passes hang: {@link ForwardGuard#longestBatch}.
     */
    public Duration longestBatch(int documents) {
        return ForwardGuard.longestBatch(forwardTimeout, forwardRetryTimeout, documents);
    }
}
