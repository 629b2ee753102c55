package io.tandem.inference;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
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
 * <ul>
 *   <li>{@link #lease} takes a device exclusively (an inference subtask): the whole file.
 *   <li>{@link #share} takes a share of the least used device (a CPU subtask that runs the model in
 *       place, so several share a GPU): byte {@code 1 + k} of the file for its k-th sharer. Shares
 *       fill round-robin: the first share of every device before the second of any.
 * </ul>
 */
public final class GpuLeases {
    private static final int MAX_SHARES_PER_DEVICE = 4096;
    private static final GpuLeases JVM_WIDE =
            new GpuLeases(
                    Path.of(
                            System.getProperty("java.io.tmpdir"),
                            "tandem-gpu-leases",
                            Long.toString(ProcessHandle.current().pid())));

    private final Path dir;

    /** The locks this class loader took, to release them; what others hold is in the JDK. */
    private final Map<String, Held> held = new HashMap<>();

    private record Held(FileChannel channel, FileLock lock) {}

    GpuLeases(Path dir) {
        this.dir = dir;
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
    public synchronized int lease(List<Integer> candidates, String owner) {
        for (int device : candidates) {
            Held lock = tryLock(device, 0, Long.MAX_VALUE);
            if (lock != null) {
                writeOwner(lock.channel(), owner);
                held.put(key(device, owner), lock);
                return device;
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
    public synchronized int share(List<Integer> candidates, String owner) {
        for (int slot = 1; slot <= MAX_SHARES_PER_DEVICE; slot++) {
            for (int device : candidates) {
                Held lock = tryLock(device, slot, 1);
                if (lock != null) {
                    held.put(key(device, owner), lock);
                    return device;
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
    public synchronized void release(int device, String owner) {
        Held lock = held.remove(key(device, owner));
        if (lock != null) {
            if (lock.lock().position() == 0) {
                writeOwner(lock.channel(), ""); // no stale name in a later refusal
            }
            closeQuietly(lock);
        }
    }

    /** How many leases and shares this class loader holds. */
    synchronized int heldCount() {
        return held.size();
    }

    private Held tryLock(int device, long position, long size) {
        FileChannel channel;
        try {
            Files.createDirectories(dir);
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
