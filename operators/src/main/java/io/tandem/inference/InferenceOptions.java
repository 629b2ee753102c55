package io.tandem.inference;

import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the forward pass: where it runs and with how many ONNX Runtime threads. */
@Internal
public final class InferenceOptions {
    private InferenceOptions() {}

    public static final ConfigOption<Device> DEVICE =
            ConfigOptions.key("tandem.device")
                    .enumType(Device.class)
                    .defaultValue(Device.AUTO)
                    .withDescription(
                            "Where forward passes run: AUTO (CUDA on the bound GPU, else CPU with"
                                    + " one log line), CPU, or CUDA (fail if unavailable).");

    public static final ConfigOption<Integer> INTRA_OP_THREADS =
            ConfigOptions.key("tandem.intra-op-threads")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "ONNX Runtime intra-op threads per session on the CPU (0 lets the"
                                    + " runtime choose).");
}
