package io.tandem.plan;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link CpuBudget} over fake {@code /proc} and {@code /sys/fs/cgroup} trees. */
class CpuBudgetTest {

    @TempDir Path root;

    private void write(String relativePath, String content) throws IOException {
        Path file = root.resolve(relativePath);
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    private void affinity(String list) throws IOException {
        write(
                "proc/self/status",
                "Name:\tjava\nCpus_allowed:\tff\nCpus_allowed_list:\t" + list + "\nVoluntary: 3\n");
    }

    @Test
    void withNoFilesTheAvailableProcessorsWin() {
        CpuBudget budget = CpuBudget.detect(root, 12);
        assertEquals(12, budget.cpus());
        assertEquals(CpuBudget.Limit.AVAILABLE_PROCESSORS, budget.limit());
        assertEquals(OptionalInt.empty(), budget.affinityCpus());
        assertEquals(OptionalInt.empty(), budget.cgroupV2Cpus());
        assertEquals(OptionalInt.empty(), budget.cgroupV1Cpus());
        assertEquals(
                "12 CPUs (limited by available processors; available processors 12,"
                        + " cgroup v2 cpu.max none, cgroup v1 quota none)",
                budget.describe());
    }

    @Test
    void countsAffinityMasks() throws IOException {
        affinity("0-3,8,10-11");
        CpuBudget budget = CpuBudget.detect(root, 16);
        assertEquals(7, budget.cpus());
        assertEquals(CpuBudget.Limit.CPU_AFFINITY, budget.limit());
        assertEquals(OptionalInt.of(7), budget.affinityCpus());
    }

    @Test
    void parsesCpuLists() {
        assertEquals(1, CpuBudget.countCpuList("0"));
        assertEquals(4, CpuBudget.countCpuList("0-3"));
        assertEquals(7, CpuBudget.countCpuList(" 0-3,8,10-11\n"));
        assertEquals(
                "CPU range '3-1' ends before it starts",
                assertThrows(IllegalArgumentException.class, () -> CpuBudget.countCpuList("3-1"))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> CpuBudget.countCpuList("a-b"));
        assertThrows(IllegalArgumentException.class, () -> CpuBudget.countCpuList(""));
    }

    @Test
    void malformedAffinityIsIgnored() throws IOException {
        affinity("zero-three");
        CpuBudget budget = CpuBudget.detect(root, 6);
        assertEquals(6, budget.cpus());
        assertEquals(OptionalInt.empty(), budget.affinityCpus());
    }

    @Test
    void cgroupV2QuotaIsRoundedUp() throws IOException {
        write("proc/self/cgroup", "0::/\n");
        write("sys/fs/cgroup/cpu.max", "350000 100000\n");
        CpuBudget budget = CpuBudget.detect(root, 16);
        assertEquals(4, budget.cpus());
        assertEquals(CpuBudget.Limit.CGROUP_V2_QUOTA, budget.limit());
        assertTrue(budget.describe().startsWith("4 CPUs (limited by cgroup v2 cpu.max;"));
    }

    @Test
    void cgroupV2MaxMeansUnlimited() throws IOException {
        write("proc/self/cgroup", "0::/\n");
        write("sys/fs/cgroup/cpu.max", "max 100000\n");
        CpuBudget budget = CpuBudget.detect(root, 8);
        assertEquals(8, budget.cpus());
        assertEquals(CpuBudget.Limit.AVAILABLE_PROCESSORS, budget.limit());
        assertEquals(OptionalInt.empty(), budget.cgroupV2Cpus());
    }

    @Test
    void cgroupV2TakesTheTightestQuotaOnThePathToTheRoot() throws IOException {
        write("proc/self/cgroup", "0::/kubepods/pod1/container\n");
        write("sys/fs/cgroup/cpu.max", "max 100000\n");
        write("sys/fs/cgroup/kubepods/pod1/cpu.max", "200000 100000\n");
        write("sys/fs/cgroup/kubepods/pod1/container/cpu.max", "600000 100000\n");
        assertEquals(2, CpuBudget.detect(root, 32).cpus());
    }

    @Test
    void aSmallCgroupQuotaStillLeavesOneCpu() throws IOException {
        write("sys/fs/cgroup/cpu.max", "20000 100000\n");
        CpuBudget budget = CpuBudget.detect(root, 4);
        assertEquals(1, budget.cpus());
        assertEquals(CpuBudget.Limit.CGROUP_V2_QUOTA, budget.limit());
    }

    @Test
    void cgroupV1QuotaIsRoundedUp() throws IOException {
        write("proc/self/cgroup", "5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n");
        write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "250000\n");
        write("sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
        CpuBudget budget = CpuBudget.detect(root, 8);
        assertEquals(3, budget.cpus());
        assertEquals(CpuBudget.Limit.CGROUP_V1_QUOTA, budget.limit());
        assertEquals(OptionalInt.of(3), budget.cgroupV1Cpus());
    }

    @Test
    void cgroupV1MinusOneMeansUnlimited() throws IOException {
        write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "-1\n");
        write("sys/fs/cgroup/cpu/cpu.cfs_period_us", "100000\n");
        CpuBudget budget = CpuBudget.detect(root, 8);
        assertEquals(8, budget.cpus());
        assertEquals(OptionalInt.empty(), budget.cgroupV1Cpus());
    }

    @Test
    void cgroupV1WithoutAPeriodFileIsIgnored() throws IOException {
        write("sys/fs/cgroup/cpu/cpu.cfs_quota_us", "100000\n");
        assertEquals(8, CpuBudget.detect(root, 8).cpus());
    }

    @Test
    void theSmallestConstraintWinsAndIsReported() throws IOException {
        affinity("0-5");
        write("proc/self/cgroup", "0::/\n");
        write("sys/fs/cgroup/cpu.max", "450000 100000\n");
        CpuBudget budget = CpuBudget.detect(root, 8);
        assertEquals(5, budget.cpus());
        assertEquals(CpuBudget.Limit.CGROUP_V2_QUOTA, budget.limit());
        assertEquals(
                "5 CPUs (limited by cgroup v2 cpu.max; available processors 8, CPU affinity 6,"
                        + " cgroup v2 cpu.max 5, cgroup v1 quota none)",
                budget.describe());

        // Ties go to the constraint checked first.
        affinity("0-4");
        assertEquals(CpuBudget.Limit.CPU_AFFINITY, CpuBudget.detect(root, 8).limit());
    }

    @Test
    void parsesQuotaFiles() {
        assertEquals(OptionalInt.of(2), CpuBudget.parseCpuMax("150000 100000"));
        assertEquals(OptionalInt.of(1), CpuBudget.parseCpuMax("100000"));
        assertEquals(OptionalInt.empty(), CpuBudget.parseCpuMax("max"));
        assertEquals(OptionalInt.empty(), CpuBudget.parseCpuMax("garbage 100000"));
        assertEquals(OptionalInt.of(1), CpuBudget.parseCfsQuota("50000", "100000"));
        assertEquals(OptionalInt.empty(), CpuBudget.parseCfsQuota("-1", "100000"));
    }

    @Test
    void fixedBudgetsAndBadInputsAreExplained() {
        CpuBudget fixed = CpuBudget.fixed(3);
        assertEquals(3, fixed.cpus());
        assertEquals("3 CPUs (limited by explicit setting)", fixed.describe());
        assertEquals(
                "CPU budget must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> CpuBudget.fixed(0))
                        .getMessage());
        assertEquals(
                "availableProcessors must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> CpuBudget.detect(root, 0))
                        .getMessage());
    }

    @Test
    void detectsSomethingSensibleOnThisMachine() {
        CpuBudget budget = CpuBudget.detect();
        assertTrue(budget.cpus() >= 1);
        assertTrue(budget.cpus() <= Runtime.getRuntime().availableProcessors());
    }
}
