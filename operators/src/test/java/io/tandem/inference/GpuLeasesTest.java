package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GpuLeasesTest {
    private static final long PID = ProcessHandle.current().pid();

    @TempDir Path dir;

    private static Path lockFile(GpuLeases leases, int device) {
        return leases.folder().resolve("gpu-" + device + ".lock");
    }

    @Test
    void exclusiveLeasesTakeDistinctDevicesAndARefusalNamesTheHolders() {
        GpuLeases leases = new GpuLeases(dir, PID);
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
                        + leases.folder()
                        + "); give each GPU TaskManager one slot per GPU, or declare more GPUs",
                refused.getMessage());

        leases.release(0, "inference (1/2)@job-a");
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/1)@job-b"));
    }

    @Test
    void theInferenceSubtasksOfOneIndexInEveryStageLeaseOneDeviceUntilTheLastReleasesIt() {
        GpuLeases leases = new GpuLeases(dir, PID);
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/2)@job"));
        assertEquals(1, leases.lease(List.of(0, 1), "inference (2/2)@job"));
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/2)@job"), "the second stage");

        leases.release(0, "inference (1/2)@job");
        assertThrows(
                IllegalStateException.class,
                () -> leases.lease(List.of(0, 1), "inference (1/1)@other"),
                "the second stage still holds GPU 0");
        leases.release(0, "inference (1/2)@job");
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/1)@other"));
    }

    @Test
    void sharesGoRoundRobinAndFillTheLeastSharedDeviceFirst() {
        GpuLeases leases = new GpuLeases(dir, PID);
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
        GpuLeases leases = new GpuLeases(dir, PID);
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
        GpuLeases jobA = new GpuLeases(dir, PID);
        GpuLeases jobB = new GpuLeases(dir, PID);
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
        assertFalse(Files.exists(lockFile(GpuLeases.jvmWide(), 900)), "released by either copy");
        assertFalse(Files.exists(lockFile(GpuLeases.jvmWide(), 901)));
    }

    @Test
    void aLeaseFileGoesWithItsLastLeaseAndTheFolderWithTheLastFile() {
        GpuLeases leases = new GpuLeases(dir, PID);
        assertEquals(0, leases.lease(List.of(0, 1), "inference (1/1)"));
        assertEquals(1, leases.share(List.of(0, 1), "model (1/2)"));
        assertEquals(1, leases.share(List.of(0, 1), "model (2/2)"));
        assertTrue(Files.exists(lockFile(leases, 0)));

        leases.release(0, "inference (1/1)");
        assertFalse(Files.exists(lockFile(leases, 0)), "the lease of GPU 0 ended");
        leases.release(1, "model (1/2)");
        assertTrue(Files.exists(lockFile(leases, 1)), "GPU 1 still has a sharer");
        leases.release(1, "model (2/2)");
        assertFalse(Files.exists(leases.folder()), "the last lease of the JVM ended");

        assertEquals(0, leases.lease(List.of(0), "inference (1/1)@next-job"));
        assertTrue(Files.exists(lockFile(leases, 0)), "the folder is made again");
        leases.release(0, "inference (1/1)@next-job");
        assertFalse(Files.exists(leases.folder()));
    }

    @Test
    void aReleaseKeepsTheFileOfALeaseAnotherJobHolds() {
        GpuLeases jobA = new GpuLeases(dir, PID);
        GpuLeases jobB = new GpuLeases(dir, PID);
        assertEquals(0, jobA.share(List.of(0), "a"));
        assertEquals(0, jobB.share(List.of(0), "b"));
        jobA.release(0, "a");
        assertTrue(Files.exists(lockFile(jobB, 0)), "job b still shares GPU 0");
        assertThrows(IllegalStateException.class, () -> jobA.lease(List.of(0), "c"));
        jobB.release(0, "b");
        assertFalse(Files.exists(jobB.folder()));
    }

    @Test
    void foldersOfEndedJvmsGoWhenAJvmMakesItsOwnAndThoseOfLiveOnesStay() throws Exception {
        Process ended = new ProcessBuilder("true").start();
        ended.waitFor();
        Process live = new ProcessBuilder("sleep", "600").start();
        try {
            Path endedFolder = Files.createDirectories(dir.resolve(Long.toString(ended.pid())));
            Files.writeString(endedFolder.resolve("gpu-0.lock"), "inference (1/1)@killed");
            Path liveFolder = Files.createDirectories(dir.resolve(Long.toString(live.pid())));
            Files.writeString(liveFolder.resolve("gpu-0.lock"), "inference (1/1)@running");
            Path other = Files.createDirectories(dir.resolve("not-a-pid"));

            GpuLeases leases = new GpuLeases(dir, PID);
            assertEquals(0, leases.lease(List.of(0), "inference (1/1)"));
            assertFalse(Files.exists(endedFolder), "the folder of an ended JVM");
            assertTrue(Files.exists(liveFolder.resolve("gpu-0.lock")), "a live JVM's lease");
            assertTrue(Files.exists(other), "a folder not named by a pid");
            leases.release(0, "inference (1/1)");
        } finally {
            live.destroy();
        }
    }
}
