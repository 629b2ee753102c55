package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuDetectionTest {
    private static final List<String> TWO_GPUS =
            List.of(
                    "GPU 0: NVIDIA A100-SXM4-40GB (UUID: GPU-8f6a1d3c-0000-1111-2222-333344445555)",
                    "GPU 1: NVIDIA A100-SXM4-40GB (UUID: GPU-1b2c3d4e-6666-7777-8888-999900001111)");

    @TempDir Path root;

    /** A command runner that answers nvidia-smi -L with fixed lines and records the calls. */
    private static final class FakeCommands implements GpuDetection.CommandRunner {
        private final List<String> output;
        final List<List<String>> calls = new ArrayList<>();

        FakeCommands(List<String> output) {
            this.output = output;
        }

        @Override
        public List<String> run(List<String> command) throws IOException {
            calls.add(command);
            if (output == null) {
                throw new IOException(
                        "Cannot run program \"nvidia-smi\": error=2, No such file or directory");
            }
            return output;
        }
    }

    private static final FakeCommands NO_NVIDIA_SMI = new FakeCommands(null);

    @Test
    void nvidiaSmiListingTwoGpusGivesTwoCudaDevices() {
        FakeCommands commands = new FakeCommands(TWO_GPUS);

        GpuDetection gpus = GpuDetection.detect(root, Map.of(), commands);

        assertEquals(List.of(0, 1), gpus.devices());
        assertEquals(List.of(List.of("nvidia-smi", "-L")), commands.calls);
        assertEquals(
                "2 NVIDIA GPUs (nvidia-smi -L: 0 NVIDIA A100-SXM4-40GB, 1 NVIDIA A100-SXM4-40GB),"
                        + " CUDA devices [0, 1]",
                gpus.describe());
    }

    @Test
    void withoutNvidiaSmiTheDriverFoldersUnderProcCount() throws IOException {
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:3b:00.0"));
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:1a:00.0"));

        GpuDetection gpus = GpuDetection.detect(root, Map.of(), NO_NVIDIA_SMI);

        assertEquals(List.of(0, 1), gpus.devices());
        assertEquals(
                "2 NVIDIA GPUs (/proc/driver/nvidia/gpus: 0 at PCI 0000:1a:00.0, 1 at PCI"
                        + " 0000:3b:00.0), CUDA devices [0, 1]",
                gpus.describe());
    }

    @Test
    void noNvidiaSmiAndNoDriverMeansNoGpu() {
        GpuDetection gpus = GpuDetection.detect(root, Map.of(), NO_NVIDIA_SMI);

        assertFalse(gpus.found());
        assertEquals(List.of(), gpus.devices());
        assertEquals(
                "no NVIDIA GPU found (nvidia-smi -L unavailable (Cannot run program"
                        + " \"nvidia-smi\": error=2, No such file or directory), no"
                        + " /proc/driver/nvidia/gpus entries)",
                gpus.describe());
    }

    @Test
    void cudaVisibleDevicesRenumbersTheGpusItLeavesFromZero() {
        GpuDetection gpus =
                GpuDetection.detect(
                        root, Map.of("CUDA_VISIBLE_DEVICES", "1"), new FakeCommands(TWO_GPUS));

        assertEquals(List.of(0), gpus.devices());
        assertTrue(
                gpus.describe()
                        .endsWith("CUDA_VISIBLE_DEVICES='1' leaves GPUs [1] as CUDA devices [0]"),
                gpus.describe());
    }

    @Test
    void cudaVisibleDevicesMayNameGpusByUuidPrefix() {
        GpuDetection gpus =
                GpuDetection.detect(
                        root,
                        Map.of("CUDA_VISIBLE_DEVICES", "GPU-1b2c3d4e,GPU-8f6a"),
                        new FakeCommands(TWO_GPUS));

        assertEquals(List.of(0, 1), gpus.devices());
        assertTrue(gpus.describe().contains("leaves GPUs [1, 0]"), gpus.describe());
    }

    @Test
    void cudaVisibleDevicesStopsAtTheFirstEntryThatNamesNoGpu() {
        GpuDetection gpus =
                GpuDetection.detect(
                        root, Map.of("CUDA_VISIBLE_DEVICES", "1,7,0"), new FakeCommands(TWO_GPUS));

        assertEquals(List.of(0), gpus.devices());
    }

    @Test
    void emptyOrMinusOneCudaVisibleDevicesHidesEveryGpu() {
        for (String hidden : List.of("", "-1")) {
            GpuDetection gpus =
                    GpuDetection.detect(
                            root,
                            Map.of("CUDA_VISIBLE_DEVICES", hidden),
                            new FakeCommands(TWO_GPUS));

            assertFalse(gpus.found(), hidden);
            assertTrue(
                    gpus.describe()
                            .endsWith("none visible with CUDA_VISIBLE_DEVICES='" + hidden + "'"),
                    gpus.describe());
        }
    }

    @Test
    void cudaVisibleDevicesAlsoAppliesToGpusFoundUnderProc() throws IOException {
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:1a:00.0"));
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:3b:00.0"));
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:5e:00.0"));

        GpuDetection gpus =
                GpuDetection.detect(root, Map.of("CUDA_VISIBLE_DEVICES", "2,0"), NO_NVIDIA_SMI);

        assertEquals(List.of(0, 1), gpus.devices());
        assertTrue(gpus.describe().contains("leaves GPUs [2, 0]"), gpus.describe());
    }

    @Test
    void migDeviceLinesOfNvidiaSmiAreNotGpus() {
        GpuDetection gpus =
                GpuDetection.detect(
                        root,
                        Map.of(),
                        new FakeCommands(
                                List.of(
                                        TWO_GPUS.get(0),
                                        "  MIG 1g.5gb     Device  0: (UUID: MIG-aaaa)")));

        assertEquals(List.of(0), gpus.devices());
    }
}
