package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.flink.api.common.externalresource.ExternalResourceInfo;
import org.junit.jupiter.api.Test;

class GpuAssignerTest {

    /** What Flink's GPU driver reports for one device. */
    record TestingGpuInfo(Map<String, String> properties) implements ExternalResourceInfo {
        static TestingGpuInfo index(String index) {
            return new TestingGpuInfo(Map.of("index", index));
        }

        @Override
        public Optional<String> getProperty(String key) {
            return Optional.ofNullable(properties.get(key));
        }

        @Override
        public Collection<String> getKeys() {
            return properties.keySet();
        }
    }

    @Test
    void declaredGpusWinOverConfiguredOnesAndTwoSubtasksGetDistinctDevices() {
        GpuAssigner assigner = new GpuAssigner(List.of(7));
        Set<ExternalResourceInfo> declared =
                Set.of(TestingGpuInfo.index("1"), TestingGpuInfo.index("0"));
        int first = assigner.assign(declared, "inference#0");
        int second = assigner.assign(declared, "inference#1");
        try {
            assertEquals(Set.of(0, 1), Set.of(first, second));
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> assigner.assign(declared, "inference#2"));
            assertTrue(
                    e.getMessage()
                            .startsWith(
                                    "No free GPU for inference#2: devices [0, 1] of this TaskManager are all leased"),
                    e.getMessage());
        } finally {
            GpuAssigner.release(first, "inference#0");
            GpuAssigner.release(second, "inference#1");
        }
        assertEquals(0, GpuLeases.jvmWide().heldCount());
    }

    @Test
    void configuredDevicesWhenTheClusterDeclaresNone() {
        GpuAssigner assigner = new GpuAssigner(List.of(2, 3));
        int device = assigner.assign(Set.of(), "inference#0");
        assertEquals(2, device);
        GpuAssigner.release(device, "inference#0");
    }

    @Test
    void noGpuMeansCpu() {
        assertEquals(GpuAssigner.NO_GPU, new GpuAssigner(List.of()).assign(Set.of(), "x"));
    }

    @Test
    void aBadIndexPropertyIsNamed() {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> GpuAssigner.indicesOf(Set.of(TestingGpuInfo.index("gpu0"))));
        assertEquals("GPU resource index 'gpu0' is not an integer", e.getMessage());
    }
}
