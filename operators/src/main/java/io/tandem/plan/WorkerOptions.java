package io.tandem.plan;

import java.util.List;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the {@link WorkerPlan}: how many CPU and GPU workers, on which GPU devices. */
@Internal
public final class WorkerOptions {
    private WorkerOptions() {}

    public static final ConfigOption<Integer> CPU_WORKERS =
            ConfigOptions.key("tandem.cpu-workers")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Parallelism of the CPU task set. Negative N means all CPUs but N."
                                    + " Default: derived from the CPU budget, as edsnlp does.");

    public static final ConfigOption<Integer> GPU_WORKERS =
            ConfigOptions.key("tandem.gpu-workers")
                    .intType()
                    .noDefaultValue()
                    .withDescription(
                            "Inference subtasks (one per GPU slot). 0 runs the forward pass in the"
                                    + " CPU subtasks. With no GPU present, N > 0 runs N inference"
                                    + " subtasks on the CPU execution provider. Default: one per"
                                    + " GPU device, at most half the CPUs.");

    public static final ConfigOption<List<Integer>> GPU_DEVICES =
            ConfigOptions.key("tandem.gpu-devices")
                    .intType()
                    .asList()
                    .noDefaultValue()
                    .withDescription(
                            "GPU indices to bind when the cluster declares no GPUs through"
                                    + " external resources (e.g. 0,1 or 0;1).");
}
