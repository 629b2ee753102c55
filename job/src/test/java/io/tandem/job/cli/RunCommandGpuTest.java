package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.inference.GpuDetection;
import io.tandem.plan.CpuBudget;
import io.tandem.plan.WorkerPlan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code run} without flags plans and logs on a simulated GPU host and on a CPU host. */
class RunCommandGpuTest {
    private static final GpuDetection.CommandRunner NO_NVIDIA_SMI =
            command -> {
                throw new IOException("Cannot run program \"nvidia-smi\": error=2, No such file");
            };

    @TempDir Path root;

    @Test
    void aHostWithTwoGpusRunsOneInferenceWorkerPerGpu() throws IOException {
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:1a:00.0"));
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:3b:00.0"));
        GpuDetection gpus = GpuDetection.detect(root, Map.of(), NO_NVIDIA_SMI);

        WorkerPlan plan = RunCommand.plan(new Configuration(), gpus, CpuBudget.fixed(16));

        assertEquals(WorkerPlan.Inference.GPU, plan.inference());
        assertEquals(2, plan.gpuWorkers());
        assertEquals(List.of(0, 1), plan.gpuDevices());
        String line = RunCommand.gpuLogLine(gpus);
        System.out.println("run logs: " + line);
        assertEquals(
                "GPUs: 2 NVIDIA GPUs (/proc/driver/nvidia/gpus: 0 at PCI 0000:1a:00.0, 1 at PCI"
                        + " 0000:3b:00.0), CUDA devices [0, 1]; inference runs on them (CUDA"
                        + " when it loads)",
                line);
    }

    @Test
    void cudaVisibleDevicesNarrowsTheWorkersToTheGpusItLeaves() throws IOException {
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:1a:00.0"));
        Files.createDirectories(root.resolve("proc/driver/nvidia/gpus/0000:3b:00.0"));
        GpuDetection gpus =
                GpuDetection.detect(root, Map.of("CUDA_VISIBLE_DEVICES", "1"), NO_NVIDIA_SMI);

        WorkerPlan plan = RunCommand.plan(new Configuration(), gpus, CpuBudget.fixed(16));

        assertEquals(1, plan.gpuWorkers());
        assertEquals(List.of(0), plan.gpuDevices());
    }

    @Test
    void aHostWithoutGpusLogsOneLineAndRunsTheModelOnTheCpu() {
        GpuDetection gpus = GpuDetection.detect(root, Map.of(), NO_NVIDIA_SMI);

        WorkerPlan plan = RunCommand.plan(new Configuration(), gpus, CpuBudget.fixed(16));

        assertEquals(WorkerPlan.Inference.IN_PLACE, plan.inference());
        assertEquals(0, plan.gpuWorkers());
        assertEquals(
                "GPUs: no NVIDIA GPU found (nvidia-smi -L unavailable (Cannot run program"
                        + " \"nvidia-smi\": error=2, No such file), no /proc/driver/nvidia/gpus"
                        + " entries); the model runs on the CPU",
                RunCommand.gpuLogLine(gpus));
    }
}
