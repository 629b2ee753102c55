package io.tandem.inference;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;

/**
 * Binds an inference subtask to a GPU index. On a cluster that declares GPUs through Flink's
 * external resource framework ({@code external-resources: gpu}) the indices come from the {@code
 * index} property of {@code getExternalResourceInfos("gpu")}; otherwise from the configured device
 * list ({@code --gpu-devices}, also how MiniCluster tests declare fake GPUs, since a MiniCluster
 * never passes external resources to operators); otherwise the subtask runs on the CPU.
 */
public final class GpuAssigner implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String RESOURCE_NAME = "gpu";
    public static final int NO_GPU = -1;

    private final List<Integer> configuredDevices;

    public GpuAssigner(List<Integer> configuredDevices) {
        this.configuredDevices = List.copyOf(configuredDevices);
    }

    /**
     * Leases a device to {@code owner} alone (an inference subtask); returns {@link #NO_GPU} when
     * there is none to bind. Release it with {@link #release}.
     */
    public int assign(Set<ExternalResourceInfo> declared, String owner) {
        List<Integer> candidates = candidates(declared);
        return candidates.isEmpty() ? NO_GPU : GpuLeases.jvmWide().lease(candidates, owner);
    }

    /**
     * Gives {@code owner} a share of the least shared device (a CPU subtask running the model in
     * place: the subtasks of a TaskManager spread over its GPUs round-robin); returns {@link
     * #NO_GPU} when there is none. Release it with {@link #release}.
     */
    public int share(Set<ExternalResourceInfo> declared, String owner) {
        List<Integer> candidates = candidates(declared);
        return candidates.isEmpty() ? NO_GPU : GpuLeases.jvmWide().share(candidates, owner);
    }

    /** Gives back what {@link #assign} or {@link #share} gave {@code owner}. */
    public static void release(int device, String owner) {
        if (device != NO_GPU) {
            GpuLeases.jvmWide().release(device, owner);
        }
    }

    private List<Integer> candidates(Set<ExternalResourceInfo> declared) {
        return declared.isEmpty() ? configuredDevices : indicesOf(declared);
    }

    static List<Integer> indicesOf(Set<ExternalResourceInfo> declared) {
        Set<Integer> indices = new TreeSet<>();
        for (ExternalResourceInfo info : declared) {
            String index =
                    info.getProperty("index")
                            .orElseThrow(
                                    () ->
                                            new IllegalStateException(
                                                    "GPU resource info without an 'index' property: "
                                                            + info.getKeys()));
            try {
                indices.add(Integer.parseInt(index.trim()));
            } catch (NumberFormatException e) {
                throw new IllegalStateException(
                        "GPU resource index '" + index + "' is not an integer", e);
            }
        }
        return new ArrayList<>(indices);
    }

    public List<Integer> configuredDevices() {
        return configuredDevices;
    }
}
