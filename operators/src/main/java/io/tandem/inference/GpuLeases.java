package io.tandem.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which GPUs of this JVM are taken. Flink does not isolate GPUs per slot: every slot of a
 * TaskManager sees all of its GPUs, so two inference subtasks in one TaskManager must lease
 * distinct devices. (Binding by {@code subtaskIndex % gpus} is wrong: placement is not by index.)
 */
public final class GpuLeases {
    private static final Map<Integer, String> LEASED = new TreeMap<>();

    private GpuLeases() {}

    /** Leases the lowest free device of {@code candidates} to {@code owner}. */
    public static int lease(List<Integer> candidates, String owner) {
        synchronized (LEASED) {
            for (int device : candidates) {
                if (!LEASED.containsKey(device)) {
                    LEASED.put(device, owner);
                    return device;
                }
            }
            throw new IllegalStateException(
                    "No free GPU for "
                            + owner
                            + ": devices "
                            + candidates
                            + " of this TaskManager are all leased by "
                            + new ArrayList<>(LEASED.values())
                            + "; give each GPU TaskManager one slot per GPU, or declare more GPUs");
        }
    }

    public static void release(int device, String owner) {
        synchronized (LEASED) {
            LEASED.remove(device, owner);
        }
    }

    static int leasedCount() {
        synchronized (LEASED) {
            return LEASED.size();
        }
    }
}
