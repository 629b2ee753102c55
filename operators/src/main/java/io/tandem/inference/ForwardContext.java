package io.tandem.inference;

import java.io.Serializable;
import java.util.Objects;

/**
 * What the subtask that runs forward passes gives a component when it opens its runner.
 *
 * @param device where to run
 * @param gpuIndex the GPU this subtask was bound to, or {@link #NO_GPU}
 * @param intraOpThreads threads for one operator on the CPU; 0 lets the runtime choose
 */
public record ForwardContext(Device device, int gpuIndex, int intraOpThreads)
        implements Serializable {
    public static final int NO_GPU = -1;

    public ForwardContext {
        Objects.requireNonNull(device, "device");
        if (gpuIndex < NO_GPU) {
            throw new IllegalArgumentException(
                    "gpuIndex must be >= 0, or " + NO_GPU + " for none, got " + gpuIndex);
        }
        if (intraOpThreads < 0) {
            throw new IllegalArgumentException(
                    "intraOpThreads must be >= 0 (0 = runtime default), got " + intraOpThreads);
        }
        if (device == Device.CUDA && gpuIndex == NO_GPU) {
            throw new IllegalArgumentException(
                    "Device CUDA needs a GPU index, got none (" + NO_GPU + ")");
        }
    }

    /** CPU with the given number of intra-op threads (0 = runtime default). */
    public static ForwardContext cpu(int intraOpThreads) {
        return new ForwardContext(Device.CPU, NO_GPU, intraOpThreads);
    }

    public boolean hasGpu() {
        return gpuIndex != NO_GPU;
    }
}
