package io.tandem.job.sink;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts of lines written, shared between a sink and the command line's progress display when the
 * job runs on a local MiniCluster in the same JVM. On a cluster nobody reads them.
 */
public final class LocalProgress {
    private static final Map<String, AtomicLong> COUNTERS = new ConcurrentHashMap<>();
    private static final String DEAD_LETTERS = "#dead-letters";

    private LocalProgress() {}

    public static AtomicLong counter(String key) {
        return COUNTERS.computeIfAbsent(key, k -> new AtomicLong());
    }

    /** The dead letters among {@link #counter}'s lines. */
    public static AtomicLong deadLetters(String key) {
        return counter(key + DEAD_LETTERS);
    }

    public static void release(String key) {
        COUNTERS.remove(key);
        COUNTERS.remove(key + DEAD_LETTERS);
    }
}
