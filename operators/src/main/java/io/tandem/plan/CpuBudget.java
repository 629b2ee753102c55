package io.tandem.plan;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * How many CPUs this process may use: the least of the JVM's available processors, the CPU affinity
 * mask ({@code Cpus_allowed_list} in {@code /proc/self/status}), the cgroup v2 quota ({@code
 * cpu.max}) and the cgroup v1 quota ({@code cpu.cfs_quota_us / cpu.cfs_period_us}), quotas rounded
 * up, and at least 1. It also tells which of them won, for the job log.
 *
 * <p>The file system root is injectable so that tests can lay out fake {@code /proc} and {@code
 * /sys/fs/cgroup} trees. Files that are missing, unreadable or malformed are ignored: the limit
 * they would express is then simply not known, as on a machine without cgroups.
 */
public final class CpuBudget {

    /** The constraint that set the budget. */
    public enum Limit {
        AVAILABLE_PROCESSORS("available processors"),
        CPU_AFFINITY("CPU affinity"),
        CGROUP_V2_QUOTA("cgroup v2 cpu.max"),
        CGROUP_V1_QUOTA("cgroup v1 cpu.cfs_quota_us"),
        EXPLICIT("explicit setting");

        private final String label;

        Limit(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    /** The kernel's default CFS period, used when {@code cpu.max} gives only a quota. */
    private static final long DEFAULT_PERIOD_US = 100_000;

    private final int cpus;
    private final Limit limit;
    private final int availableProcessors;
    private final OptionalInt affinityCpus;
    private final OptionalInt cgroupV2Cpus;
    private final OptionalInt cgroupV1Cpus;

    private CpuBudget(
            int cpus,
            Limit limit,
            int availableProcessors,
            OptionalInt affinityCpus,
            OptionalInt cgroupV2Cpus,
            OptionalInt cgroupV1Cpus) {
        this.cpus = cpus;
        this.limit = limit;
        this.availableProcessors = availableProcessors;
        this.affinityCpus = affinityCpus;
        this.cgroupV2Cpus = cgroupV2Cpus;
        this.cgroupV1Cpus = cgroupV1Cpus;
    }

    /** The budget of this JVM, read from the real {@code /proc} and {@code /sys}. */
    public static CpuBudget detect() {
        return detect(Path.of("/"), Runtime.getRuntime().availableProcessors());
    }

    /**
     * The budget read under {@code root} (which stands for {@code /}), given the JVM's available
     * processors.
     */
    public static CpuBudget detect(Path root, int availableProcessors) {
        Objects.requireNonNull(root, "root");
        if (availableProcessors <= 0) {
            throw new IllegalArgumentException(
                    "availableProcessors must be at least 1, got " + availableProcessors);
        }
        OptionalInt affinity = affinityCpus(root);
        List<String> cgroupLines = readLines(root.resolve("proc/self/cgroup"));
        OptionalInt v2 = cgroupV2Cpus(root, cgroupLines);
        OptionalInt v1 = cgroupV1Cpus(root, cgroupLines);

        int cpus = availableProcessors;
        Limit limit = Limit.AVAILABLE_PROCESSORS;
        // Strictly smaller wins, so on ties the earlier (more familiar) constraint is reported.
        if (affinity.isPresent() && affinity.getAsInt() < cpus) {
            cpus = affinity.getAsInt();
            limit = Limit.CPU_AFFINITY;
        }
        if (v2.isPresent() && v2.getAsInt() < cpus) {
            cpus = v2.getAsInt();
            limit = Limit.CGROUP_V2_QUOTA;
        }
        if (v1.isPresent() && v1.getAsInt() < cpus) {
            cpus = v1.getAsInt();
            limit = Limit.CGROUP_V1_QUOTA;
        }
        return new CpuBudget(Math.max(1, cpus), limit, availableProcessors, affinity, v2, v1);
    }

    /** A budget set by the user rather than detected. */
    public static CpuBudget fixed(int cpus) {
        if (cpus <= 0) {
            throw new IllegalArgumentException("CPU budget must be at least 1, got " + cpus);
        }
        return new CpuBudget(
                cpus,
                Limit.EXPLICIT,
                cpus,
                OptionalInt.empty(),
                OptionalInt.empty(),
                OptionalInt.empty());
    }

    private static OptionalInt affinityCpus(Path root) {
        for (String line : readLines(root.resolve("proc/self/status"))) {
            if (line.startsWith("Cpus_allowed_list:")) {
                try {
                    return OptionalInt.of(
                            countCpuList(line.substring("Cpus_allowed_list:".length())));
                } catch (IllegalArgumentException malformed) {
                    return OptionalInt.empty();
                }
            }
        }
        return OptionalInt.empty();
    }

    /**
     * The tightest {@code cpu.max} on the way from this process's cgroup (the {@code 0::} line of
     * {@code /proc/self/cgroup}) up to the cgroup v2 mount: a parent's quota caps its children.
     */
    private static OptionalInt cgroupV2Cpus(Path root, List<String> cgroupLines) {
        Path mount = root.resolve("sys/fs/cgroup");
        String ownPath = "/";
        for (String line : cgroupLines) {
            if (line.startsWith("0::")) {
                ownPath = line.substring(3);
            }
        }
        OptionalInt tightest = OptionalInt.empty();
        for (Path dir : upTo(mount, ownPath)) {
            String content = readFirstLine(dir.resolve("cpu.max"));
            if (content != null) {
                tightest = min(tightest, parseCpuMax(content));
            }
        }
        return tightest;
    }

    /** The tightest CFS quota of the cpu controller's hierarchy (cgroup v1). */
    private static OptionalInt cgroupV1Cpus(Path root, List<String> cgroupLines) {
        String ownPath = "/";
        for (String line : cgroupLines) {
            String[] fields = line.split(":", 3);
            if (fields.length == 3 && List.of(fields[1].split(",")).contains("cpu")) {
                ownPath = fields[2];
            }
        }
        OptionalInt tightest = OptionalInt.empty();
        for (String mountName : List.of("cpu,cpuacct", "cpuacct,cpu", "cpu")) {
            Path mount = root.resolve("sys/fs/cgroup").resolve(mountName);
            for (Path dir : upTo(mount, ownPath)) {
                String quota = readFirstLine(dir.resolve("cpu.cfs_quota_us"));
                String period = readFirstLine(dir.resolve("cpu.cfs_period_us"));
                if (quota != null && period != null) {
                    tightest = min(tightest, parseCfsQuota(quota, period));
                }
            }
        }
        return tightest;
    }

    /**
     * The directories from {@code mount/cgroupPath} up to {@code mount} itself. In a container with
     * its own cgroup namespace the path is {@code /}; without one, the path may not exist under the
     * container's mount, and the mount root is what limits it.
     */
    private static List<Path> upTo(Path mount, String cgroupPath) {
        List<Path> dirs = new ArrayList<>();
        Path dir = mount;
        for (String part : cgroupPath.split("/")) {
            if (!part.isEmpty() && !part.equals(".") && !part.equals("..")) {
                dir = dir.resolve(part);
            }
        }
        while (dir.startsWith(mount)) {
            dirs.add(dir);
            if (dir.equals(mount)) {
                break;
            }
            dir = dir.getParent();
        }
        return dirs;
    }

    /**
     * Counts the CPUs in a list such as {@code "0-3,8,10-11"} (7 CPUs).
     *
     * @throws IllegalArgumentException when the list is malformed
     */
    static int countCpuList(String list) {
        String trimmed = list.trim();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("Empty CPU list");
        }
        int count = 0;
        for (String range : trimmed.split(",")) {
            String[] bounds = range.trim().split("-");
            try {
                if (bounds.length == 1) {
                    Integer.parseInt(bounds[0]);
                    count++;
                } else if (bounds.length == 2) {
                    int first = Integer.parseInt(bounds[0]);
                    int last = Integer.parseInt(bounds[1]);
                    if (last < first) {
                        throw new IllegalArgumentException(
                                "CPU range '" + range + "' ends before it starts");
                    }
                    count += last - first + 1;
                } else {
                    throw new IllegalArgumentException("Malformed CPU range '" + range + "'");
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "Malformed CPU list '" + trimmed + "': " + e.getMessage(), e);
            }
        }
        return count;
    }

    /**
     * CPUs allowed by a cgroup v2 {@code cpu.max} line, {@code "<quota> <period>"} or {@code "max
     * <period>"}: the quota over the period rounded up; empty when unlimited or malformed.
     */
    static OptionalInt parseCpuMax(String content) {
        String[] fields = content.trim().split("\\s+");
        if (fields.length == 0 || fields[0].equals("max") || fields[0].isEmpty()) {
            return OptionalInt.empty();
        }
        try {
            long quota = Long.parseLong(fields[0]);
            long period = fields.length > 1 ? Long.parseLong(fields[1]) : DEFAULT_PERIOD_US;
            return quotaCpus(quota, period);
        } catch (NumberFormatException malformed) {
            return OptionalInt.empty();
        }
    }

    /**
     * CPUs allowed by cgroup v1 {@code cpu.cfs_quota_us} and {@code cpu.cfs_period_us}: empty when
     * the quota is -1 (unlimited) or a value is malformed.
     */
    static OptionalInt parseCfsQuota(String quota, String period) {
        try {
            return quotaCpus(Long.parseLong(quota.trim()), Long.parseLong(period.trim()));
        } catch (NumberFormatException malformed) {
            return OptionalInt.empty();
        }
    }

    private static OptionalInt quotaCpus(long quota, long period) {
        if (quota <= 0 || period <= 0) {
            return OptionalInt.empty();
        }
        long cpus = (quota + period - 1) / period;
        return OptionalInt.of((int) Math.min(Integer.MAX_VALUE, Math.max(1, cpus)));
    }

    private static OptionalInt min(OptionalInt a, OptionalInt b) {
        if (a.isEmpty()) {
            return b;
        }
        if (b.isEmpty()) {
            return a;
        }
        return OptionalInt.of(Math.min(a.getAsInt(), b.getAsInt()));
    }

    private static List<String> readLines(Path file) {
        try {
            return Files.isReadable(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException | UncheckedIOException unreadable) {
            return List.of();
        }
    }

    private static String readFirstLine(Path file) {
        List<String> lines = readLines(file);
        return lines.isEmpty() ? null : lines.get(0);
    }

    /** CPUs this process may use, at least 1. */
    public int cpus() {
        return cpus;
    }

    /** The constraint that set {@link #cpus()}. */
    public Limit limit() {
        return limit;
    }

    public int availableProcessors() {
        return availableProcessors;
    }

    /** CPUs in the affinity mask, when {@code /proc/self/status} tells. */
    public OptionalInt affinityCpus() {
        return affinityCpus;
    }

    /** CPUs allowed by the cgroup v2 quota; empty when unlimited or absent. */
    public OptionalInt cgroupV2Cpus() {
        return cgroupV2Cpus;
    }

    /** CPUs allowed by the cgroup v1 quota; empty when unlimited or absent. */
    public OptionalInt cgroupV1Cpus() {
        return cgroupV1Cpus;
    }

    /**
     * For the job log, e.g. {@code "4 CPUs (limited by cgroup v2 cpu.max; available processors 16,
     * CPU affinity 8, cgroup v2 cpu.max 4)"}.
     */
    public String describe() {
        StringBuilder text = new StringBuilder();
        text.append(cpus).append(cpus == 1 ? " CPU" : " CPUs");
        text.append(" (limited by ").append(limit.label());
        if (limit != Limit.EXPLICIT) {
            text.append("; available processors ").append(availableProcessors);
            affinityCpus.ifPresent(n -> text.append(", CPU affinity ").append(n));
            text.append(", cgroup v2 cpu.max ").append(orUnlimited(cgroupV2Cpus));
            text.append(", cgroup v1 quota ").append(orUnlimited(cgroupV1Cpus));
        }
        return text.append(')').toString();
    }

    private static String orUnlimited(OptionalInt cpus) {
        return cpus.isPresent() ? Integer.toString(cpus.getAsInt()) : "none";
    }

    @Override
    public String toString() {
        return "CpuBudget{" + describe() + "}";
    }
}
