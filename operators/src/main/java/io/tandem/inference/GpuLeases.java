package io.tandem.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Which GPUs of this TaskManager are taken, across all its jobs. Flink does not isolate GPUs per
 * slot: every slot sees all of the TaskManager's GPUs, so two inference subtasks must lease
 * distinct devices. (Binding by {@code subtaskIndex % gpus} is wrong: placement is not by index.)
 *
 * <p>Each job has its own class loader, so a static map would only see its own job's leases. The
 * leases are therefore file locks ({@link FileChannel#tryLock}) on one file per GPU index, under a
 * folder of this JVM ({@code <java.io.tmpdir>/tandem-gpu-leases/<pid>}): the JDK keeps the locks a
 * JVM holds in one table for the whole process, whatever class loader asks, and refuses an
 * overlapping one ({@link OverlappingFileLockException}). A lock lives as long as the subtask that
 * took it, which releases it in {@code close()}; the process ending releases everything.
 *
 * <p>A lease file is removed when its last lease or share ends, and the folder with it when it is
 * empty; folders left by JVMs that ended without releasing (killed) are removed whenever this JVM
 * creates its own. Removing a file must not race with another class loader's copy of this class
 * opening it (its lock would then hold an unlinked file that nobody else sees), so every copy in
 * the JVM takes and gives back leases under one monitor, an interned string.
 *
 * <ul>
 *   <li>{@link #lease} takes a device exclusively (an inference subtask): the whole file. The same
 *       owner leasing again gets the same device, counted: the inference subtasks of one index in
 *       every model stage of a job lease under one owner, so that they share their slot's GPU.
 *   <li>{@link #share} takes a share of the least used device (a CPU subtask that runs the model in
 *       place, so several share a GPU): byte {@code 1 + k} of the file for its k-th sharer. Shares
 *       fill round-robin: the first share of every device before the second of any.
 * </ul>
 */
public final class GpuLeases {
    private static final int MAX_SHARES_PER_DEVICE = 4096;
    private static final GpuLeases JVM_WIDE =
            new GpuLeases(
                    Path.of(System.getProperty("java.io.tmpdir"), "tandem-gpu-leases"),
                    ProcessHandle.current().pid());

    /** The folder of every JVM's lease folder. */
    private final Path root;

    private final Path dir;

    /** One monitor for every copy of this class in the JVM: interned strings are JVM-wide. */
    private final Object jvmWideMonitor;

    /** The locks this class loader took, to release them; what others hold is in the JDK. */
    private final Map<String, Held> held = new HashMap<>();

    /** How many times each exclusive lease of {@link #held} was taken by its owner. */
    private final Map<String, Integer> leaseCounts = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock) {}

    /** The leases of the JVM with process id {@code pid}, in its folder under {@code root}. */
    GpuLeases(Path root, long pid) {
        this.root = root;
        this.dir = root.resolve(Long.toString(pid));
        this.jvmWideMonitor = (GpuLeases.class.getName() + ":" + dir.toAbsolutePath()).intern();
    }

    /** The leases of this JVM (this TaskManager). */
    public static GpuLeases jvmWide() {
        return JVM_WIDE;
    }

    /**
     * Leases the lowest device of {@code candidates} that nobody in this JVM uses to {@code owner}.
     *
     * @throws IllegalStateException when every candidate is taken
     */
    public int lease(List<Integer> candidates, String owner) {
        synchronized (jvmWideMonitor) {
            for (int device : candidates) {
                if (leaseCounts.computeIfPresent(key(device, owner), (k, n) -> n + 1) != null) {
                    return device; // this owner's lease, taken by another of its subtasks
                }
            }
            for (int device : candidates) {
                Held lock = tryLock(device, 0, Long.MAX_VALUE);
                if (lock != null) {
                    writeOwner(lock.channel(), owner);
                    held.put(key(device, owner), lock);
                    leaseCounts.put(key(device, owner), 1);
                    return device;
                }
            }
        }
        throw new IllegalStateException(
                "No free GPU for "
                        + owner
                        + ": devices "
                        + candidates
                        + " of this TaskManager are all leased ("
                        + holders(candidates)
                        + "); give each GPU TaskManager one slot per GPU, or declare more GPUs");
    }

    /**
     * Gives {@code owner} a share of the least shared device of {@code candidates} that no
     * inference subtask holds exclusively.
     *
     * @throws IllegalStateException when every candidate is leased exclusively
     */
    public int share(List<Integer> candidates, String owner) {
        synchronized (jvmWideMonitor) {
            for (int slot = 1; slot <= MAX_SHARES_PER_DEVICE; slot++) {
                for (int device : candidates) {
                    Held lock = tryLock(device, slot, 1);
                    if (lock != null) {
                        held.put(key(device, owner), lock);
                        return device;
                    }
                }
            }
        }
        throw new IllegalStateException(
                "No GPU to share for "
                        + owner
                        + ": devices "
                        + candidates
                        + " of this TaskManager are leased by inference subtasks ("
                        + holders(candidates)
                        + ")");
    }

    /** Gives back what {@code owner} took of {@code device}; nothing when it holds nothing. */
    public void release(int device, String owner) {
        synchronized (jvmWideMonitor) {
            Integer leases = leaseCounts.get(key(device, owner));
            if (leases != null && leases > 1) {
                leaseCounts.put(key(device, owner), leases - 1);
                return;
            }
            leaseCounts.remove(key(device, owner));
            Held lock = held.remove(key(device, owner));
            if (lock != null) {
                if (lock.lock().position() == 0) {
                    writeOwner(lock.channel(), ""); // no stale name in a later refusal
                }
                closeQuietly(lock);
                removeUnusedFiles(List.of(device));
            }
        }
    }

    /** How many leases and shares this class loader holds. */
    int heldCount() {
        synchronized (jvmWideMonitor) {
            return held.size();
        }
    }

    /** The folder of this JVM's lease files. */
    Path folder() {
        return dir;
    }

    /**
     * Removes the lease files of {@code devices} that nobody holds (a whole-file lock proves it),
     * then the folder when it is empty. Called under the JVM-wide monitor, so no copy of this class
     * opens a file in between.
     */
    private void removeUnusedFiles(List<Integer> devices) {
        for (int device : devices) {
            removeIfUnlocked(lockFile(device));
        }
        removeIfEmpty(dir);
    }

    /** Deletes {@code file} while holding a lock on all of it: nobody leases any part of it. */
    private static void removeIfUnlocked(Path file) {
        if (!Files.exists(file)) {
            return;
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock whole = channel.tryLock();
            if (whole != null) {
                Files.deleteIfExists(file);
                whole.release();
            }
        } catch (OverlappingFileLockException heldInThisJvm) {
            // Another lease or share of this JVM: the file stays.
        } catch (IOException e) {
            // Left for the device's next release, or for a later JVM's clean-up.
        }
    }

    private static void removeIfEmpty(Path folder) {
        try {
            Files.deleteIfExists(folder);
        } catch (DirectoryNotEmptyException stillLeased) {
            // Other devices are leased.
        } catch (IOException e) {
            // Left for a later JVM's clean-up.
        }
    }

    /**
     * Removes the lease folders of JVMs that are gone: a killed TaskManager never released its
     * leases. A folder is named by its JVM's pid; one of a live process is left alone.
     */
    private static void removeFoldersOfEndedJvms(Path leasesRoot) {
        try (DirectoryStream<Path> folders = Files.newDirectoryStream(leasesRoot)) {
            for (Path folder : folders) {
                long pid;
                try {
                    pid = Long.parseLong(folder.getFileName().toString());
                } catch (NumberFormatException notAPid) {
                    continue;
                }
                if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
                    continue;
                }
                // The lock check also spares a live JVM of another pid namespace sharing the
                // folder.
                try (DirectoryStream<Path> files = Files.newDirectoryStream(folder)) {
                    files.forEach(GpuLeases::removeIfUnlocked);
                } catch (IOException e) {
                    // Another JVM is removing it too, or it is not ours to remove.
                }
                removeIfEmpty(folder);
            }
        } catch (IOException e) {
            // No folder yet, or not readable: nothing to remove.
        }
    }

    private Held tryLock(int device, long position, long size) {
        FileChannel channel;
        try {
            if (!Files.isDirectory(dir)) {
                removeFoldersOfEndedJvms(root);
                Files.createDirectories(dir);
            }
            channel =
                    FileChannel.open(
                            lockFile(device),
                            StandardOpenOption.CREATE,
                            StandardOpenOption.READ,
                            StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot open the GPU lease file of device " + device, e);
        }
        FileLock lock = null;
        try {
            lock = channel.tryLock(position, size, false);
        } catch (OverlappingFileLockException takenInThisJvm) {
            // Another subtask of this TaskManager, of this job or another, holds it.
        } catch (IOException e) {
            closeQuietly(new Held(channel, null));
            throw new UncheckedIOException("Cannot lock the GPU lease file of device " + device, e);
        }
        if (lock == null) {
            closeQuietly(new Held(channel, null));
            return null;
        }
        return new Held(channel, lock);
    }

    private static void writeOwner(FileChannel channel, String owner) {
        try {
            channel.truncate(0);
            channel.write(ByteBuffer.wrap(owner.getBytes(StandardCharsets.UTF_8)), 0);
        } catch (IOException e) {
            // Only the message of a later refusal reads it.
        }
    }

    /** Who holds each device exclusively, as their lease files say. */
    private String holders(List<Integer> devices) {
        List<String> holders = new ArrayList<>();
        for (int device : devices) {
            try {
                String owner = Files.readString(lockFile(device), StandardCharsets.UTF_8);
                holders.add("GPU " + device + ": " + (owner.isEmpty() ? "shared" : owner));
            } catch (IOException e) {
                holders.add("GPU " + device + ": ?");
            }
        }
        return String.join(", ", holders) + "; lease files under " + dir;
    }

    private Path lockFile(int device) {
        return dir.resolve("gpu-" + device + ".lock");
    }

    private static String key(int device, String owner) {
        return device + "/" + owner;
    }

    private static void closeQuietly(Held held) {
        try {
            if (held.lock() != null && held.lock().isValid()) {
                held.lock().release();
            }
        } catch (IOException ignored) {
            // Closing the channel below releases it too.
        }
        try {
            held.channel().close();
        } catch (IOException ignored) {
            // Nothing more to give back.
        }
    }
}
