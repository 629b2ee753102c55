package io.tandem.inference;

import java.time.Duration;

/** A forward pass ran past its time limit and was terminated. */
public final class ForwardTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    /** A pass ran past {@code tandem.forward-timeout}, {@code limit}. */
    public ForwardTimeoutException(String model, Duration limit, Throwable terminated) {
        this(
                "forward pass of model '"
                        + model
                        + "' ran past tandem.forward-timeout ("
                        + limit.toMillis()
                        + " ms) and was terminated",
                terminated);
    }

    private ForwardTimeoutException(String message, Throwable terminated) {
        super(message, terminated);
    }

    /**
     * A pass splitting a batch that ran past {@code tandem.forward-timeout}, {@code timeout}, ran
     * past its own shorter {@code limit}.
     */
    public static ForwardTimeoutException ofRetry(
            String model, Duration limit, Duration timeout, Throwable terminated) {
        return new ForwardTimeoutException(
                "forward pass of model '"
                        + model
                        + "' ran past "
                        + limit.toMillis()
                        + " ms, the limit of the passes that split a batch after it ran past"
                        + " tandem.forward-timeout ("
                        + timeout.toMillis()
                        + " ms), and was terminated",
                terminated);
    }
}
