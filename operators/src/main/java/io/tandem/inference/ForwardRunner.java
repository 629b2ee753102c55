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
}
