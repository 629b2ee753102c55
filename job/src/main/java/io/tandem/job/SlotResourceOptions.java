package io.tandem.job;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.MemorySize;

/**
 * What the slot sharing groups of the job ask of a TaskManager when they declare their resources
 * (fine-grained resource management): the inference group one {@code gpu} external resource per
 * subtask, the CPU task set none. Read by {@link SlotResources}.
 */
public final class SlotResourceOptions {
    private SlotResourceOptions() {}

    public static final ConfigOption<Boolean> DECLARE =
            ConfigOptions.key("tandem.slot-resources.declare")
                    .booleanType()
                    .noDefaultValue()
                    .withDescription(
                            "Declare the resources of the slot sharing groups, so that Flink places"
                                    + " each inference subtask on a TaskManager that declares a"
                                    + " free 'gpu' external resource, and the CPU task set takes"
                                    + " none. Default: on when 'run' is submitted to a cluster"
                                    + " with inference subtasks and a device other than CPU;"
                                    + " off on a local MiniCluster, which never declares GPUs.");

    public static final ConfigOption<String> GPU_RESOURCE_NAME =
            ConfigOptions.key("tandem.slot-resources.gpu.resource-name")
                    .stringType()
                    .defaultValue("gpu")
                    .withDescription(
                            "Name of the external resource each inference subtask asks for (the"
                                    + " TaskManagers' 'external-resources' entry).");

    public static final ConfigOption<Double> GPU_CPU_CORES =
            ConfigOptions.key("tandem.slot-resources.gpu.cpu-cores")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription("CPU cores of each inference subtask's slot.");

    public static final ConfigOption<MemorySize> GPU_TASK_HEAP =
            ConfigOptions.key("tandem.slot-resources.gpu.task-heap-memory")
                    .memoryType()
                    .defaultValue(MemorySize.parse("256m"))
                    .withDescription("Task heap of each inference subtask's slot.");

    public static final ConfigOption<MemorySize> GPU_TASK_OFF_HEAP =
            ConfigOptions.key("tandem.slot-resources.gpu.task-off-heap-memory")
                    .memoryType()
                    .defaultValue(MemorySize.parse("256m"))
                    .withDescription(
                            "Task off-heap memory of each inference subtask's slot: ONNX Runtime"
                                    + " keeps the model and its buffers there (Flink only counts"
                                    + " it; the TaskManager's task off-heap size must hold the"
                                    + " sum of its slots).");

    public static final ConfigOption<Double> CPU_CPU_CORES =
            ConfigOptions.key("tandem.slot-resources.cpu.cpu-cores")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription("CPU cores of each slot of the CPU task set.");

    public static final ConfigOption<MemorySize> CPU_TASK_HEAP =
            ConfigOptions.key("tandem.slot-resources.cpu.task-heap-memory")
                    .memoryType()
                    .defaultValue(MemorySize.parse("256m"))
                    .withDescription("Task heap of each slot of the CPU task set.");

    public static final ConfigOption<MemorySize> CPU_TASK_OFF_HEAP =
            ConfigOptions.key("tandem.slot-resources.cpu.task-off-heap-memory")
                    .memoryType()
                    .defaultValue(MemorySize.parse("64m"))
                    .withDescription(
                            "Task off-heap memory of each slot of the CPU task set (ONNX Runtime"
                                    + " when the CPU subtasks run the model in place).");
}
