package io.tandem.plan;

import io.tandem.dispatch.DispatchSchedule;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * How many CPU workers (producer subtasks, P) and GPU workers (inference subtasks, C) a job runs,
 * and on which GPU devices. Defaults follow edsnlp's multiprocessing backend.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li><b>GPU devices</b>: the explicit list ({@code tandem.gpu-devices}) when given, else the
 *       detected devices. Indices must be 0 or more and distinct; when devices were detected, a
 *       listed one must be among them.
 *   <li><b>GPU workers</b>:
 *       <ul>
 *         <li>with an explicit device list: one worker per listed device ({@code
 *             tandem.gpu-workers}, if given too, must equal the list's size);
 *         <li>an explicit count N &gt; 0 with devices: N workers on the first N devices (N must not
 *             exceed the devices: two workers never share a GPU);
 *         <li>an explicit count N &gt; 0 with no device at all: N inference subtasks that run the
 *             model with the CPU execution provider (a stand-in the user asked for);
 *         <li>an explicit 0: no inference subtask, the CPU workers run the model in place;
 *         <li>otherwise min(devices, CPU budget / 2).
 *       </ul>
 *   <li><b>CPU workers</b>: an explicit count N &gt; 0 is taken as is; -N means "all CPUs but N"
 *       (budget − N, which must leave at least 1); 0 is refused. The default is min(budget − GPU
 *       workers − 1, 4 × GPU workers) with GPU workers, else budget − 1, and at least 1. The
 *       environment variable {@value #MAX_CPU_WORKERS_ENV} caps the result.
 * </ul>
 *
 * Invalid combinations fail in {@link Builder#sanityCheck()} (and so in {@link Builder#build()})
 * with a message naming the values.
 */
public final class WorkerPlan {

    /** Environment variable capping the number of CPU workers. */
    public static final String MAX_CPU_WORKERS_ENV = "TANDEM_MAX_CPU_WORKERS";

    /** Where the inference subtasks run the model. */
    public enum Inference {
        /** No inference subtask: CPU workers run the model themselves. */
        IN_PLACE,
        /** One inference subtask per GPU device. */
        GPU,
        /** Inference subtasks on the CPU execution provider, asked for without any GPU. */
        CPU_STAND_IN
    }

    private final CpuBudget cpuBudget;
    private final int cpuWorkers;
    private final OptionalInt cpuWorkerCap;
    private final boolean capApplied;
    private final int gpuWorkers;
    private final List<Integer> gpuDevices;
    private final Inference inference;
    private final DispatchSchedule schedule;

    private WorkerPlan(
            CpuBudget cpuBudget,
            int cpuWorkers,
            OptionalInt cpuWorkerCap,
            boolean capApplied,
            int gpuWorkers,
            List<Integer> gpuDevices,
            Inference inference) {
        this.cpuBudget = cpuBudget;
        this.cpuWorkers = cpuWorkers;
        this.cpuWorkerCap = cpuWorkerCap;
        this.capApplied = capApplied;
        this.gpuWorkers = gpuWorkers;
        this.gpuDevices = List.copyOf(gpuDevices);
        this.inference = inference;
        this.schedule = DispatchSchedule.of(cpuWorkers, gpuWorkers);
    }

    public static Builder builder() {
        return new Builder();
    }

    public CpuBudget cpuBudget() {
        return cpuBudget;
    }

    /** Producer subtasks (P). */
    public int cpuWorkers() {
        return cpuWorkers;
    }

    /** The {@value #MAX_CPU_WORKERS_ENV} cap, when set. */
    public OptionalInt cpuWorkerCap() {
        return cpuWorkerCap;
    }

    /** Inference subtasks (C); 0 when the CPU workers run the model in place. */
    public int gpuWorkers() {
        return gpuWorkers;
    }

    /** The device of each GPU worker, in order; empty unless {@link #inference()} is GPU. */
    public List<Integer> gpuDevices() {
        return gpuDevices;
    }

    public Inference inference() {
        return inference;
    }

    /** The dispatch schedule for (CPU workers, GPU workers). */
    public DispatchSchedule schedule() {
        return schedule;
    }

    /** One line for the job log. */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append("CPU budget ").append(cpuBudget.describe());
        text.append("; ")
                .append(cpuWorkers)
                .append(cpuWorkers == 1 ? " CPU worker" : " CPU workers");
        if (capApplied) {
            text.append(" (capped by ")
                    .append(MAX_CPU_WORKERS_ENV)
                    .append('=')
                    .append(cpuWorkerCap.getAsInt())
                    .append(')');
        }
        text.append("; ");
        switch (inference) {
            case IN_PLACE -> text.append("0 GPU workers (inference in the CPU workers)");
            case GPU ->
                    text.append(gpuWorkers)
                            .append(gpuWorkers == 1 ? " GPU worker" : " GPU workers")
                            .append(" on devices ")
                            .append(gpuDevices);
            case CPU_STAND_IN ->
                    text.append(gpuWorkers)
                            .append(gpuWorkers == 1 ? " GPU worker" : " GPU workers")
                            .append(" on the CPU execution provider (no GPU device)");
        }
        text.append("; dispatch ").append(schedule.summary());
        return text.toString();
    }

    @Override
    public String toString() {
        return "WorkerPlan{" + describe() + "}";
    }

    /** Collects the requested settings; {@link #build()} applies the defaults and checks. */
    public static final class Builder {

        private CpuBudget cpuBudget;
        private List<Integer> detectedGpuDevices = List.of();
        private List<Integer> gpuDevices;
        private Integer gpuWorkers;
        private Integer cpuWorkers;
        private Map<String, String> environment;

        private Builder() {}

        /** The CPU budget; {@link CpuBudget#detect()} when not set. */
        public Builder cpuBudget(CpuBudget cpuBudget) {
            this.cpuBudget = Objects.requireNonNull(cpuBudget, "cpuBudget");
            return this;
        }

        /** GPU devices found on the machine or cluster (none when not set). */
        public Builder detectedGpuDevices(List<Integer> devices) {
            this.detectedGpuDevices = List.copyOf(devices);
            return this;
        }

        /** {@code tandem.gpu-devices}: the devices to use, one GPU worker each. */
        public Builder gpuDevices(List<Integer> devices) {
            this.gpuDevices = List.copyOf(devices);
            return this;
        }

        /** {@code tandem.gpu-workers}: the number of inference subtasks. */
        public Builder gpuWorkers(int workers) {
            this.gpuWorkers = workers;
            return this;
        }

        /** {@code tandem.cpu-workers}: N &gt; 0 workers, or -N for all CPUs but N. */
        public Builder cpuWorkers(int workers) {
            this.cpuWorkers = workers;
            return this;
        }

        /** The process environment; {@link System#getenv()} when not set. */
        public Builder environment(Map<String, String> environment) {
            this.environment = Map.copyOf(environment);
            return this;
        }

        /**
         * Checks the settings without building.
         *
         * @throws IllegalArgumentException naming the offending values
         */
        public void sanityCheck() {
            resolve();
        }

        /**
         * The plan with defaults applied.
         *
         * @throws IllegalArgumentException when {@link #sanityCheck()} fails
         */
        public WorkerPlan build() {
            return resolve();
        }

        private WorkerPlan resolve() {
            CpuBudget budget = cpuBudget != null ? cpuBudget : CpuBudget.detect();
            Map<String, String> env = environment != null ? environment : System.getenv();
            checkDevices("detected GPU devices", detectedGpuDevices);

            List<Integer> devices;
            int gpuCount;
            Inference inference;
            if (gpuDevices != null) {
                checkDevices(WorkerOptions.GPU_DEVICES.key(), gpuDevices);
                if (!detectedGpuDevices.isEmpty()) {
                    for (int device : gpuDevices) {
                        if (!detectedGpuDevices.contains(device)) {
                            throw new IllegalArgumentException(
                                    WorkerOptions.GPU_DEVICES.key()
                                            + " "
                                            + join(gpuDevices)
                                            + ": device "
                                            + device
                                            + " is not among the detected GPU devices "
                                            + detectedGpuDevices);
                        }
                    }
                }
                if (gpuWorkers != null && gpuWorkers != gpuDevices.size()) {
                    throw new IllegalArgumentException(
                            WorkerOptions.GPU_WORKERS.key()
                                    + " "
                                    + gpuWorkers
                                    + " with "
                                    + WorkerOptions.GPU_DEVICES.key()
                                    + " "
                                    + join(gpuDevices)
                                    + ": each listed device gets one GPU worker, so expected "
                                    + gpuDevices.size()
                                    + " (or leave "
                                    + WorkerOptions.GPU_WORKERS.key()
                                    + " out)");
                }
                devices = gpuDevices;
                gpuCount = gpuDevices.size();
                inference = gpuCount > 0 ? Inference.GPU : Inference.IN_PLACE;
            } else if (gpuWorkers != null) {
                if (gpuWorkers < 0) {
                    throw new IllegalArgumentException(
                            WorkerOptions.GPU_WORKERS.key()
                                    + " "
                                    + gpuWorkers
                                    + ": expected 0 (inference in the CPU workers) or more");
                }
                gpuCount = gpuWorkers;
                if (gpuCount == 0) {
                    devices = List.of();
                    inference = Inference.IN_PLACE;
                } else if (detectedGpuDevices.isEmpty()) {
                    devices = List.of();
                    inference = Inference.CPU_STAND_IN;
                } else if (gpuCount > detectedGpuDevices.size()) {
                    throw new IllegalArgumentException(
                            WorkerOptions.GPU_WORKERS.key()
                                    + " "
                                    + gpuCount
                                    + " but only "
                                    + detectedGpuDevices.size()
                                    + " GPU devices "
                                    + detectedGpuDevices
                                    + " were detected: each GPU worker needs its own device,"
                                    + " so expected at most "
                                    + detectedGpuDevices.size());
                } else {
                    devices = detectedGpuDevices.subList(0, gpuCount);
                    inference = Inference.GPU;
                }
            } else {
                gpuCount = Math.min(detectedGpuDevices.size(), budget.cpus() / 2);
                devices = detectedGpuDevices.subList(0, gpuCount);
                inference = gpuCount > 0 ? Inference.GPU : Inference.IN_PLACE;
            }

            int cpuCount;
            if (cpuWorkers == null) {
                int byBudget =
                        gpuCount > 0
                                ? Math.min(budget.cpus() - gpuCount - 1, 4 * gpuCount)
                                : budget.cpus() - 1;
                cpuCount = Math.max(1, byBudget);
            } else if (cpuWorkers == 0) {
                throw new IllegalArgumentException(
                        WorkerOptions.CPU_WORKERS.key()
                                + " 0: at least one CPU worker is needed"
                                + " (a negative value -N means all CPUs but N)");
            } else if (cpuWorkers < 0) {
                int allBut = -cpuWorkers;
                cpuCount = budget.cpus() - allBut;
                if (cpuCount < 1) {
                    throw new IllegalArgumentException(
                            WorkerOptions.CPU_WORKERS.key()
                                    + " "
                                    + cpuWorkers
                                    + " means all CPUs but "
                                    + allBut
                                    + ", which leaves "
                                    + cpuCount
                                    + " CPU workers with a budget of "
                                    + budget.cpus()
                                    + " CPUs; expected N below "
                                    + budget.cpus());
                }
            } else {
                cpuCount = cpuWorkers;
            }

            OptionalInt cap = cpuWorkerCap(env);
            boolean capApplied = cap.isPresent() && cap.getAsInt() < cpuCount;
            if (capApplied) {
                cpuCount = cap.getAsInt();
            }
            return new WorkerPlan(budget, cpuCount, cap, capApplied, gpuCount, devices, inference);
        }

        private static OptionalInt cpuWorkerCap(Map<String, String> env) {
            String value = env.get(MAX_CPU_WORKERS_ENV);
            if (value == null || value.isBlank()) {
                return OptionalInt.empty();
            }
            try {
                int cap = Integer.parseInt(value.trim());
                if (cap >= 1) {
                    return OptionalInt.of(cap);
                }
            } catch (NumberFormatException notANumber) {
                // reported below
            }
            throw new IllegalArgumentException(
                    MAX_CPU_WORKERS_ENV
                            + "='"
                            + value
                            + "': expected a whole number of CPU workers, at least 1");
        }

        private static void checkDevices(String what, List<Integer> devices) {
            Set<Integer> seen = new HashSet<>();
            List<Integer> repeated = new ArrayList<>();
            for (int device : devices) {
                if (device < 0) {
                    throw new IllegalArgumentException(
                            what
                                    + " "
                                    + join(devices)
                                    + ": device index "
                                    + device
                                    + " is negative; expected 0 or more");
                }
                if (!seen.add(device)) {
                    repeated.add(device);
                }
            }
            if (!repeated.isEmpty()) {
                throw new IllegalArgumentException(
                        what
                                + " "
                                + join(devices)
                                + ": device "
                                + repeated.get(0)
                                + " is listed twice; each device takes one GPU worker");
            }
        }

        private static String join(List<Integer> devices) {
            return devices.stream().map(String::valueOf).collect(Collectors.joining(","));
        }
    }
}
