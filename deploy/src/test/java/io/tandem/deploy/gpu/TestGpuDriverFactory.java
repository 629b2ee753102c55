package io.tandem.deploy.gpu;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceDriver;
import org.apache.flink.api.common.externalresource.ExternalResourceDriverFactory;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;
import org.apache.flink.configuration.Configuration;

/**
 * Stands in for Flink's GPU driver ({@code org.apache.flink.externalresource.gpu.GPUDriverFactory},
 * which ships only in Flink's distribution) on a machine without GPUs: reports the GPU indices of
 * {@code external-resource.gpu.param.indices}, with the same {@code index} property as Flink's
 * {@code GPUInfo}. Loaded the way the real one is: as a plugin jar under the plugins folder (see
 * {@link io.tandem.deploy.cluster.PluginJar}), never from the TaskManager's classpath.
 */
public final class TestGpuDriverFactory implements ExternalResourceDriverFactory {

    /** Relative to {@code external-resource.<name>.param.}, as Flink hands it to drivers. */
    static final ConfigOption<List<Integer>> INDICES =
            ConfigOptions.key("indices").intType().asList().noDefaultValue();

    @Override
    public ExternalResourceDriver createExternalResourceDriver(Configuration config) {
        List<Integer> indices =
                config.getOptional(INDICES)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "The test GPU driver needs"
                                                        + " external-resource.gpu.param.indices"));
        return amount -> {
            if (amount > indices.size()) {
                throw new IllegalArgumentException(
                        "Asked for " + amount + " GPUs, the test driver declares " + indices);
            }
            Set<TestGpuInfo> gpus = new LinkedHashSet<>();
            for (int i = 0; i < amount; i++) {
                gpus.add(new TestGpuInfo(indices.get(i)));
            }
            return gpus;
        };
    }

    /** One GPU: its {@code index} property, as in Flink's {@code GPUInfo}. */
    record TestGpuInfo(int index) implements ExternalResourceInfo {
        @Override
        public Optional<String> getProperty(String key) {
            return "index".equals(key) ? Optional.of(Integer.toString(index)) : Optional.empty();
        }

        @Override
        public Collection<String> getKeys() {
            return List.of("index");
        }
    }
}
