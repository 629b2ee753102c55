package io.tandem.inference;

import io.tandem.tensor.TensorMap;

/**
 * Runs a model's forward pass on collated batches. Owns native resources (weights, sessions), so it
 * is opened once per inference subtask and must be closed; a closed runner refuses to run. Not
 * thread-safe: one subtask, one thread.
 */
public interface ForwardRunner extends AutoCloseable {

    /** Runs one batch as built by {@link ModelComponent#collate}; outputs are plain tensors. */
    TensorMap forward(TensorMap batch) throws Exception;

    /**
     * Asks a forward pass running on another thread to stop soon and throw: called by the time
     * limit and on task cancellation. When no pass runs, the next one stops as soon as it starts:
     * the request stands until {@link #resetTerminate}. A runner that cannot be stopped ignores it
     * (the default). Safe to call from any thread.
     */
    default void terminate() {}

    /**
     * Withdraws an earlier {@link #terminate}, so that the next pass runs. Only the owner of the
     * passes calls it, before a pass starts ({@link ForwardGuard} does, under the lock its
     * terminates are sent under): a pass that cleared the request itself when it started could lose
     * one sent just before. A runner of several runners resets them all.
     */
    default void resetTerminate() {}
}
