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
     * Leases a device for {@code owner}; returns {@link #NO_GPU} when there is none to bind.
     * Release it with {@link GpuLeases#release}.
     */
    public int assign(Set<ExternalResourceInfo> declared, String owner) {
        List<Integer> candidates = declared.isEmpty() ? configuredDevices : indicesOf(declared);
        if (candidates.isEmpty()) {
            return NO_GPU;
        }
        return GpuLeases.lease(candidates, owner);
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
