package io.tandem.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.dispatch.DispatchSchedule;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class WorkerPlanTest {

    private static final Map<String, String> NO_ENV = Map.of();

    private static WorkerPlan.Builder plan(int cpus, Integer... detectedDevices) {
        return WorkerPlan.builder()
                .cpuBudget(CpuBudget.fixed(cpus))
                .detectedGpuDevices(List.of(detectedDevices))
                .environment(NO_ENV);
    }

    private static String failure(WorkerPlan.Builder builder) {
        String fromCheck =
                assertThrows(IllegalArgumentException.class, builder::sanityCheck).getMessage();
        String fromBuild =
                assertThrows(IllegalArgumentException.class, builder::build).getMessage();
        assertEquals(fromCheck, fromBuild);
        return fromCheck;
    }

    @Test
    void defaultsGiveOneGpuWorkerPerDeviceWithinHalfTheCpus() {
        WorkerPlan twoGpus = plan(8, 0, 1).build();
        assertEquals(2, twoGpus.gpuWorkers());
        assertEquals(List.of(0, 1), twoGpus.gpuDevices());
        assertEquals(WorkerPlan.Inference.GPU, twoGpus.inference());
        // min(8 - 2 - 1, 4 * 2)
        assertEquals(5, twoGpus.cpuWorkers());

        WorkerPlan fewCpus = plan(4, 0, 1, 2, 3).build();
        assertEquals(2, fewCpus.gpuWorkers());
        assertEquals(List.of(0, 1), fewCpus.gpuDevices());
        assertEquals(1, fewCpus.cpuWorkers());
    }

    @Test
    void defaultCpuWorkersAreCappedAtFourPerGpuWorker() {
        WorkerPlan plan = plan(16, 0).build();
        assertEquals(1, plan.gpuWorkers());
        assertEquals(4, plan.cpuWorkers());
    }

    @Test
    void withoutGpusAllButOneCpuWorkAndInferenceRunsInPlace() {
        WorkerPlan plan = plan(8).build();
        assertEquals(0, plan.gpuWorkers());
        assertEquals(7, plan.cpuWorkers());
        assertEquals(WorkerPlan.Inference.IN_PLACE, plan.inference());
        assertFalse(plan.schedule().hasConsumers());
    }

    @Test
    void alwaysKeepsAtLeastOneCpuWorker() {
        assertEquals(1, plan(1).build().cpuWorkers());
        WorkerPlan tight = plan(2, 0).build();
        assertEquals(1, tight.gpuWorkers());
        assertEquals(1, tight.cpuWorkers());
    }

    @Test
    void explicitAndNegativeCpuWorkers() {
        assertEquals(12, plan(4).cpuWorkers(12).build().cpuWorkers());
        assertEquals(6, plan(8).cpuWorkers(-2).build().cpuWorkers());
        assertEquals(1, plan(4).cpuWorkers(-3).build().cpuWorkers());
    }

    @Test
    void refusesZeroCpuWorkers() {
        assertEquals(
                "tandem.cpu-workers 0: at least one CPU worker is needed"
                        + " (a negative value -N means all CPUs but N)",
                failure(plan(8).cpuWorkers(0)));
    }

    @Test
    void refusesAllButMoreCpusThanThereAre() {
        assertEquals(
                "tandem.cpu-workers -5 means all CPUs but 5, which leaves -1 CPU workers with a budget"
                        + " of 4 CPUs; expected N below 4",
                failure(plan(4).cpuWorkers(-5)));
        assertEquals(
                "tandem.cpu-workers -4 means all CPUs but 4, which leaves 0 CPU workers with a budget"
                        + " of 4 CPUs; expected N below 4",
                failure(plan(4).cpuWorkers(-4)));
    }

    @Test
    void environmentCapsCpuWorkers() {
        WorkerPlan capped =
                plan(8).environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, "3")).build();
        assertEquals(3, capped.cpuWorkers());
        assertEquals(OptionalInt.of(3), capped.cpuWorkerCap());
        assertTrue(
                capped.describe().contains("3 CPU workers (capped by TANDEM_MAX_CPU_WORKERS=3)"));

        WorkerPlan explicit =
                plan(8).cpuWorkers(6)
                        .environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, "4"))
                        .build();
        assertEquals(4, explicit.cpuWorkers());

        WorkerPlan loose =
                plan(8).environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, " 32 ")).build();
        assertEquals(7, loose.cpuWorkers());
        assertFalse(loose.describe().contains("capped"));

        assertEquals(
                7,
                plan(8).environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, ""))
                        .build()
                        .cpuWorkers());
    }

    @Test
    void refusesAnInvalidCap() {
        assertEquals(
                "TANDEM_MAX_CPU_WORKERS='many': expected a whole number of CPU workers, at least 1",
                failure(plan(8).environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, "many"))));
        assertEquals(
                "TANDEM_MAX_CPU_WORKERS='0': expected a whole number of CPU workers, at least 1",
                failure(plan(8).environment(Map.of(WorkerPlan.MAX_CPU_WORKERS_ENV, "0"))));
    }

    @Test
    void explicitDeviceListsGiveOneWorkerPerDevice() {
        WorkerPlan plan = plan(16, 0, 1, 2, 3).gpuDevices(List.of(0, 2)).build();
        assertEquals(2, plan.gpuWorkers());
        assertEquals(List.of(0, 2), plan.gpuDevices());
        assertEquals(WorkerPlan.Inference.GPU, plan.inference());
        assertEquals(8, plan.cpuWorkers());

        // Nothing detected (e.g. on the client): the list is trusted.
        assertEquals(List.of(1, 3), plan(16).gpuDevices(List.of(1, 3)).build().gpuDevices());
        // A matching explicit count is fine.
        assertEquals(2, plan(16).gpuDevices(List.of(0, 1)).gpuWorkers(2).build().gpuWorkers());
    }

    @Test
    void refusesAGpuWorkerCountThatContradictsTheDeviceList() {
        assertEquals(
                "tandem.gpu-workers 3 with tandem.gpu-devices 0,1: each listed device gets one GPU worker,"
                        + " so expected 2 (or leave tandem.gpu-workers out)",
                failure(plan(16).gpuDevices(List.of(0, 1)).gpuWorkers(3)));
    }

    @Test
    void refusesUnknownRepeatedOrNegativeDevices() {
        assertEquals(
                "tandem.gpu-devices 0,3: device 3 is not among the detected GPU devices [0, 1]",
                failure(plan(16, 0, 1).gpuDevices(List.of(0, 3))));
        assertEquals(
                "tandem.gpu-devices 1,1: device 1 is listed twice; each device takes one GPU worker",
                failure(plan(16).gpuDevices(List.of(1, 1))));
        assertEquals(
                "tandem.gpu-devices -1: device index -1 is negative; expected 0 or more",
                failure(plan(16).gpuDevices(List.of(-1))));
    }

    @Test
    void explicitGpuWorkersUseTheFirstDevices() {
        WorkerPlan plan = plan(16, 0, 1, 2).gpuWorkers(2).build();
        assertEquals(List.of(0, 1), plan.gpuDevices());
        assertEquals(
                "tandem.gpu-workers 3 but only 2 GPU devices [0, 1] were detected: each GPU worker"
                        + " needs its own device, so expected at most 2",
                failure(plan(16, 0, 1).gpuWorkers(3)));
        assertEquals(
                "tandem.gpu-workers -1: expected 0 (inference in the CPU workers) or more",
                failure(plan(16).gpuWorkers(-1)));
    }

    @Test
    void gpuWorkersWithoutAnyGpuRunOnTheCpuExecutionProvider() {
        WorkerPlan plan = plan(8).gpuWorkers(2).build();
        assertEquals(2, plan.gpuWorkers());
        assertEquals(List.of(), plan.gpuDevices());
        assertEquals(WorkerPlan.Inference.CPU_STAND_IN, plan.inference());
        assertEquals(5, plan.cpuWorkers());
        assertEquals(DispatchSchedule.of(5, 2), plan.schedule());
        assertTrue(
                plan.describe()
                        .contains("2 GPU workers on the CPU execution provider (no GPU device)"));
    }

    @Test
    void zeroGpuWorkersMeansInferenceInPlaceEvenWithGpus() {
        WorkerPlan plan = plan(8, 0, 1).gpuWorkers(0).build();
        assertEquals(0, plan.gpuWorkers());
        assertEquals(WorkerPlan.Inference.IN_PLACE, plan.inference());
        assertEquals(7, plan.cpuWorkers());
    }

    @Test
    void describesThePlanOnOneLine() {
        WorkerPlan plan = plan(8, 0, 1).build();
        String line = plan.describe();
        assertFalse(line.contains("\n"));
        assertEquals(
                "CPU budget 8 CPUs (limited by explicit setting); 5 CPU workers; 2 GPU workers on"
                        + " devices [0, 1]; dispatch "
                        + DispatchSchedule.of(5, 2).summary(),
                line);
        assertEquals(
                "5 -> 2: period 2, 6 links, at most 3 producers per consumer, burst at most 3",
                DispatchSchedule.of(5, 2).summary());
        plan(8, 0, 1).sanityCheck();
    }
}
