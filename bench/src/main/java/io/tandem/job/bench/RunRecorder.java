package io.tandem.job.bench;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * When each document of one benchmark run left the source and reached the sink, by sequence number,
 * in {@link System#nanoTime()}. The job runs on a local MiniCluster in this JVM, so source, sink
 * and harness share these through a registry keyed by run id, as the progress display shares its
 * counter.
 */
public final class RunRecorder {
    private static final Map<String, RunRecorder> RUNS = new ConcurrentHashMap<>();

    private final int documents;
    private final AtomicLongArray emitted;
    private final AtomicLongArray arrived;
    private final AtomicInteger arrivals = new AtomicInteger();

    private RunRecorder(int documents) {
        this.documents = documents;
        this.emitted = new AtomicLongArray(documents);
        this.arrived = new AtomicLongArray(documents);
    }

    /** Starts recording run {@code id} of {@code documents} documents. */
    public static RunRecorder start(String id, int documents) {
        RunRecorder recorder = new RunRecorder(documents);
        if (RUNS.putIfAbsent(id, recorder) != null) {
            throw new IllegalStateException("Benchmark run '" + id + "' is already recording");
        }
        return recorder;
    }

    static RunRecorder of(String id) {
        RunRecorder recorder = RUNS.get(id);
        if (recorder == null) {
            throw new IllegalStateException(
                    "No benchmark run '"
                            + id
                            + "' is recording: benchmark jobs run on a local MiniCluster only");
        }
        return recorder;
    }

    public static void stop(String id) {
        RUNS.remove(id);
    }

    void emitted(long seq, long nanos) {
        emitted.set((int) seq, nanos);
    }

    void arrived(long seq, long nanos) {
        arrived.set((int) seq, nanos);
        arrivals.incrementAndGet();
    }

    public int documents() {
        return documents;
    }

    public int arrivals() {
        return arrivals.get();
    }

    /** Arrival times in arrival order (documents that never arrived are left out). */
    public long[] arrivalTimes() {
        long[] times = new long[documents];
        int n = 0;
        for (int i = 0; i < documents; i++) {
            long t = arrived.get(i);
            if (t != 0) {
                times[n++] = t;
            }
        }
        times = Arrays.copyOf(times, n);
        Arrays.sort(times);
        return times;
    }

    /**
     * Documents per second from the first document leaving the source to the last result reaching
     * the sink: a bounded run's processing time, without the cluster's start-up.
     */
    public double throughput() {
        long[] times = arrivalTimes();
        long firstEmitted = Long.MAX_VALUE;
        for (int i = 0; i < documents; i++) {
            long t = emitted.get(i);
            if (t != 0) {
                firstEmitted = Math.min(firstEmitted, t);
            }
        }
        if (times.length == 0 || firstEmitted == Long.MAX_VALUE) {
            throw new IllegalStateException("No document went through the benchmark run");
        }
        return times.length * 1e9 / (times[times.length - 1] - firstEmitted);
    }

    /**
     * Documents per second in the steady state: the least-squares slope of arrival rank over
     * arrival time for the arrivals between fractions {@code from} and {@code to} of the run. It
     * leaves out the start (JIT, sessions opening, the pipeline filling) and the drain at the end
     * of a bounded input, and, being a fit over every arrival, it is not thrown off by results
     * arriving in bursts of a batch.
     */
    public double throughput(double from, double to) {
        long[] times = arrivalTimes();
        int first = (int) Math.floor(from * (times.length - 1));
        int last = (int) Math.ceil(to * (times.length - 1));
        if (last - first < 10) {
            throw new IllegalStateException(
                    "Only " + times.length + " documents arrived; too few for a steady state");
        }
        double meanTime = 0;
        double meanRank = 0;
        for (int i = first; i <= last; i++) {
            meanTime += (times[i] - times[first]) / 1e9;
            meanRank += i;
        }
        int n = last - first + 1;
        meanTime /= n;
        meanRank /= n;
        double covariance = 0;
        double variance = 0;
        for (int i = first; i <= last; i++) {
            double t = (times[i] - times[first]) / 1e9 - meanTime;
            covariance += t * (i - meanRank);
            variance += t * t;
        }
        return variance == 0 ? Double.NaN : covariance / variance;
    }

    /** The arrival time at fraction {@code fraction} (0 to 1) of the arrivals, in arrival order. */
    public long arrivalAt(double fraction) {
        long[] times = arrivalTimes();
        if (times.length == 0) {
            throw new IllegalStateException("No document went through the benchmark run");
        }
        return times[(int) Math.round(fraction * (times.length - 1))];
    }

    /** End-to-end latencies in milliseconds of the documents after the first {@code skip}. */
    public double[] latenciesMillis(double skip) {
        int start = (int) Math.floor(skip * documents);
        double[] latencies = new double[documents - start];
        int n = 0;
        for (int i = start; i < documents; i++) {
            long in = emitted.get(i);
            long out = arrived.get(i);
            if (in != 0 && out != 0) {
                latencies[n++] = (out - in) / 1e6;
            }
        }
        return Arrays.copyOf(latencies, n);
    }

    /** The {@code p}-th percentile (0 to 100) by nearest rank. */
    public static double percentile(double[] values, double p) {
        if (values.length == 0) {
            throw new IllegalArgumentException("No values to take a percentile of");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }
}
