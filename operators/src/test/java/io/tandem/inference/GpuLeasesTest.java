package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuLeasesTest {
    @TempDir Path dir;

    @Test
    void exclusiveLeasesTakeDistinctDevicesAndARefusalNamesTheHolders() {
        GpuLeases leases = new GpuLeases(dir);
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/2)@job-a"));
        assertEquals(1, leases.lease(List.of(0, 1), "inference (2/2)@job-a"));

        IllegalStateException refused =
                assertThrows(
                        IllegalStateException.class,
                        () -> leases.lease(List.of(0, 1), "inference (1/1)@job-b"));
        assertEquals(
                "No free GPU for inference (1/1)@job-b: devices [0, 1] of this TaskManager are"
                        + " all leased (GPU 0: inference (1/2)@job-a, GPU 1: inference (2/2)@job-a;"
                        + " lease files under "
                        + dir
                        + "); give each GPU TaskManager one slot per GPU, or declare more GPUs",
                refused.getMessage());

        leases.release(0, "inference (1/2)@job-a");
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/1)@job-b"));
    }

    @Test
    void sharesGoRoundRobinAndFillTheLeastSharedDeviceFirst() {
        GpuLeases leases = new GpuLeases(dir);
        List<Integer> devices = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            devices.add(leases.share(List.of(0, 1), "model (" + i + "/5)"));
        }
        assertEquals(List.of(0, 1, 0, 1, 0), devices);

        leases.release(1, "model (1/5)");
        assertEquals(1, leases.share(List.of(0, 1), "model (5/6)"));
        assertEquals(1, leases.share(List.of(0, 1), "model (6/7)"));
    }

    @Test
    void sharesAvoidDevicesLeasedExclusivelyAndALeaseAvoidsSharedDevices() {
        GpuLeases leases = new GpuLeases(dir);
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/1)"));
        assertEquals(1, leases.share(List.of(0, 1), "model (1/2)"));
        assertEquals(1, leases.share(List.of(0, 1), "model (2/2)"));

        IllegalStateException refused =
                assertThrows(
                        IllegalStateException.class,
                        () -> leases.lease(List.of(1), "inference (1/1)@other"));
        assertTrue(refused.getMessage().contains("GPU 1: shared"), refused.getMessage());
        IllegalStateException noShare =
                assertThrows(IllegalStateException.class, () -> leases.share(List.of(0), "m"));
        assertTrue(
                noShare.getMessage()
                        .startsWith(
                                "No GPU to share for m: devices [0] of this TaskManager are"
                                        + " leased by inference subtasks"),
                noShare.getMessage());
    }

    @Test
    void twoInstancesOnOneFolderSeeEachOthersLeasesAsTwoJobsWould() {
        GpuLeases jobA = new GpuLeases(dir);
        GpuLeases jobB = new GpuLeases(dir);
        assertEquals(0, jobA.lease(List.of(0, 1), "a"));
        assertEquals(1, jobB.lease(List.of(0, 1), "b"));
        assertThrows(IllegalStateException.class, () -> jobB.lease(List.of(0, 1), "c"));
        jobA.release(0, "a");
        assertEquals(0, jobB.lease(List.of(0, 1), "c"));
        assertEquals(0, jobA.heldCount());
        assertEquals(2, jobB.heldCount());
    }

    /**
     * Each Flink job loads Tandem's classes in its own class loader: a lease taken through one copy
     * of the class holds against another copy in the same JVM.
     */
    @Test
    void leasesHoldAcrossClassLoaders() throws Exception {
        URL classes = GpuLeases.class.getProtectionDomain().getCodeSource().getLocation();
        List<Integer> devices = List.of(900, 901);
        try (URLClassLoader jobLoader =
                new URLClassLoader(new URL[] {classes}, ClassLoader.getPlatformClassLoader())) {
            Class<?> otherCopy = jobLoader.loadClass(GpuLeases.class.getName());
            assertNotSame(GpuLeases.class, otherCopy);
            Object otherJob = otherCopy.getMethod("jvmWide").invoke(null);
            Method lease = otherCopy.getMethod("lease", List.class, String.class);
            Method release = otherCopy.getMethod("release", int.class, String.class);

            int mine = GpuLeases.jvmWide().lease(devices, "inference (1/1)@job-a");
            try {
                assertEquals(900, mine);
                assertEquals(901, lease.invoke(otherJob, devices, "inference (1/1)@job-b"));
                release.invoke(otherJob, 901, "inference (1/1)@job-b");
                assertThrows(
                        IllegalStateException.class,
                        () -> GpuLeases.jvmWide().lease(List.of(900), "inference (1/1)@job-c"));
            } finally {
                GpuLeases.jvmWide().release(mine, "inference (1/1)@job-a");
            }
            assertEquals(900, lease.invoke(otherJob, List.of(900), "inference (1/1)@job-c"));
            release.invoke(otherJob, 900, "inference (1/1)@job-c");
        }
    }
}
