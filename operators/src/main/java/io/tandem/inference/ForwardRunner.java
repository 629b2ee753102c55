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
     * limit and on task cancellation. A runner that cannot be stopped ignores it (the default).
     * Safe to call from any thread, also when nothing runs.
     */
    default void terminate() {}
}
