package io.tandem.job;

import java.util.Optional;
import org.apache.flink.api.common.operators.SlotSharingGroup;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;

/**
 * The declared resources of Tandem's two slot sharing groups. Flink's fine-grained slot manager
 * (the only one in Flink 2.x) matches a group that declares resources against what each TaskManager
 * declares: an inference slot asks for one {@code gpu} external resource, so it only lands on a
 * TaskManager with a free GPU, and a job that asks for more GPUs than the cluster declares never
 * runs inference without one. The CPU task set declares its resources too, without a GPU: a slot
 * without declared resources would take the TaskManager's default slot profile, which holds a share
 * of its GPUs (their number divided by the number of slots).
 */
public final class SlotResources {
    public static final String CPU_SLOT_SHARING_GROUP = "cpu";

    private final SlotSharingGroup cpu;
    private final SlotSharingGroup gpu;
    private final String gpuResourceName;

    private SlotResources(SlotSharingGroup cpu, SlotSharingGroup gpu, String gpuResourceName) {
        this.cpu = cpu;
        this.gpu = gpu;
        this.gpuResourceName = gpuResourceName;
    }

    /** Nothing declared: Flink places every slot without regard to GPUs. */
    public static SlotResources undeclared() {
        return new SlotResources(null, null, null);
    }

    /**
     * The groups as {@code options} size them, when {@link SlotResourceOptions#DECLARE} is on.
     *
     * @throws IllegalArgumentException naming an amount that is not positive
     */
    public static SlotResources from(Configuration options) {
        if (!options.getOptional(SlotResourceOptions.DECLARE).orElse(false)) {
            return undeclared();
        }
        String resource = options.get(SlotResourceOptions.GPU_RESOURCE_NAME).trim();
        if (resource.isEmpty()) {
            throw new IllegalArgumentException(
                    SlotResourceOptions.GPU_RESOURCE_NAME.key()
                            + " is empty; expected the name of the TaskManagers' GPU external"
                            + " resource, e.g. gpu");
        }
        SlotSharingGroup gpu =
                SlotSharingGroup.newBuilder(TandemJob.GPU_SLOT_SHARING_GROUP)
                        .setCpuCores(
                                positive(
                                        SlotResourceOptions.GPU_CPU_CORES.key(),
                                        options.get(SlotResourceOptions.GPU_CPU_CORES)))
                        .setTaskHeapMemory(
                                positive(
                                        SlotResourceOptions.GPU_TASK_HEAP.key(),
                                        options.get(SlotResourceOptions.GPU_TASK_HEAP)))
                        .setTaskOffHeapMemory(options.get(SlotResourceOptions.GPU_TASK_OFF_HEAP))
                        .setExternalResource(resource, 1)
                        .build();
        SlotSharingGroup cpu =
                SlotSharingGroup.newBuilder(CPU_SLOT_SHARING_GROUP)
                        .setCpuCores(
                                positive(
                                        SlotResourceOptions.CPU_CPU_CORES.key(),
                                        options.get(SlotResourceOptions.CPU_CPU_CORES)))
                        .setTaskHeapMemory(
                                positive(
                                        SlotResourceOptions.CPU_TASK_HEAP.key(),
                                        options.get(SlotResourceOptions.CPU_TASK_HEAP)))
                        .setTaskOffHeapMemory(options.get(SlotResourceOptions.CPU_TASK_OFF_HEAP))
                        .build();
        return new SlotResources(cpu, gpu, resource);
    }

    private static double positive(String key, double value) {
        if (!(value > 0)) {
            throw new IllegalArgumentException(key + " " + value + ": expected more than 0");
        }
        return value;
    }

    private static MemorySize positive(String key, MemorySize value) {
        if (value.getBytes() <= 0) {
            throw new IllegalArgumentException(key + " " + value + ": expected more than 0");
        }
        return value;
    }

    public boolean declared() {
        return gpu != null;
    }

    /** The CPU task set's group, when declared. */
    public Optional<SlotSharingGroup> cpu() {
        return Optional.ofNullable(cpu);
    }

    /** The inference group, when declared. */
    public Optional<SlotSharingGroup> gpu() {
        return Optional.ofNullable(gpu);
    }

    /** One line for the job log: what each slot asks for, and what the cluster must offer. */
    public String describe(int cpuWorkers, int gpuWorkers) {
        if (!declared()) {
            return "slot resources not declared: Flink places inference subtasks without regard"
                    + " to GPUs";
        }
        return "each of the "
                + gpuWorkers
                + " inference slots asks for "
                + profile(gpu)
                + ", "
                + gpuResourceName
                + "=1; each of the "
                + cpuWorkers
                + " CPU slots for "
                + profile(cpu)
                + ", no "
                + gpuResourceName
                + ". The cluster must declare at least "
                + gpuWorkers
                + " free "
                + gpuResourceName
                + " (external-resource."
                + gpuResourceName
                + ".amount on the GPU TaskManagers), or the job fails when its slot request"
                + " times out (slot.request.timeout)";
    }

    private static String profile(SlotSharingGroup group) {
        return group.getCpuCores().orElse(0.0)
                + " CPU cores, "
                + group.getTaskHeapMemory().map(m -> m.getMebiBytes() + "m").orElse("0")
                + " task heap, "
                + group.getTaskOffHeapMemory().map(m -> m.getMebiBytes() + "m").orElse("0")
                + " task off-heap";
    }
}
