package io.tandem.inference;

import java.time.Duration;

/** A forward pass ran past its time limit and was terminated. */
public final class ForwardTimeoutException extends Exception {
    private static final long serialVersionUID = 1L;

    public ForwardTimeoutException(String model, Duration limit, Throwable terminated) {
        super(
                "forward pass of model '"
                        + model
                        + "' ran past tandem.forward-timeout ("
                        + limit.toMillis()
                        + " ms) and was terminated",
                terminated);
    }
}
