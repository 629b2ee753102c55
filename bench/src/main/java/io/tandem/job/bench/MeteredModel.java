package io.tandem.job.bench;

import io.tandem.inference.BatchStats;
import io.tandem.inference.BucketedForward;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.inference.ModelComponent;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A model component that counts what its forward passes did in one benchmark run: documents
 * collated, padded tokens, time spent in {@code forward}, and the shape of every batch, so that the
 * run's exact batches can be replayed without Flink. The job runs on a local MiniCluster, so the
 * counts live in a registry keyed by run id.
 */
final class MeteredModel<F extends Serializable> extends ForwardingModelComponent<F> {
    private static final long serialVersionUID = 1L;
    private static final Map<String, Meter> METERS = new ConcurrentHashMap<>();

    private final String runId;

    /** What one run's forward passes did. */
    static final class Meter {
        final AtomicLong docs = new AtomicLong();
        final AtomicLong paddedTokens = new AtomicLong();
        final AtomicLong forwardNanos = new AtomicLong();

        /** Each batch's attention mask: its shape and the length of each of its rows. */
        private final List<Tensor> masks = new ArrayList<>();

        /** Each forward pass: start, end (nanoTime) and which runner ran it. */
        private final List<long[]> busy = new ArrayList<>();

        private final AtomicInteger runners = new AtomicInteger();

        synchronized void batch(Tensor mask, long startNanos, long endNanos, int runner) {
            masks.add(mask);
            busy.add(new long[] {startNanos, endNanos, runner});
        }

        /**
         * The share of {@code [from, to)} (in {@link System#nanoTime()}) during which a forward
         * pass ran: the accelerator's busy time over wall time, for one inference subtask.
         */
        synchronized double busyShare(long from, long to) {
            long covered = 0;
            for (long runner : coveredByRunner(from, to)) {
                covered += runner;
            }
            return (double) covered / (to - from);
        }

        /**
         * {@link #busyShare}, runner by runner (an inference subtask opens one): whether the
         * inference subtasks were kept busy alike.
         */
        synchronized List<Double> busyShareByRunner(long from, long to) {
            List<Double> shares = new ArrayList<>();
            for (long runner : coveredByRunner(from, to)) {
                shares.add((double) runner / (to - from));
            }
            return shares;
        }

        /** Nanoseconds of {@code [from, to)} that each runner spent in forward passes. */
        private long[] coveredByRunner(long from, long to) {
            if (to <= from) {
                throw new IllegalArgumentException("Empty interval [" + from + ", " + to + ")");
            }
            long[] covered = new long[runners.get()];
            for (long[] pass : busy) {
                covered[(int) pass[2]] +=
                        Math.max(0, Math.min(pass[1], to) - Math.max(pass[0], from));
            }
            return covered;
        }

        /** What {@code cost} says this run's batches cost, per document, in nanoseconds. */
        synchronized double costPerDoc(StandInModel.ForwardCost cost) {
            double nanos = 0;
            for (long[] shape : shapes()) {
                nanos += cost.nanos(shape[0], shape[1]);
            }
            return nanos / docs.get();
        }

        /**
         * What {@code cost} says this run's batches would cost per document, in nanoseconds, had
         * each run by length buckets ({@link BucketedForward}) as on the CPU.
         */
        synchronized double costPerDocByBuckets(StandInModel.ForwardCost cost) {
            double nanos = 0;
            for (Tensor mask : masks) {
                for (long[] pass : BucketedForward.passShapes(TensorMap.of(mask))) {
                    nanos += cost.nanos(pass[0], pass[1]);
                }
            }
            return nanos / docs.get();
        }

        /** The longest forward pass of the run, in nanoseconds (0 before the first). */
        synchronized long longestPassNanos() {
            long longest = 0;
            for (long[] pass : busy) {
                longest = Math.max(longest, pass[1] - pass[0]);
            }
            return longest;
        }

        synchronized List<long[]> shapes() {
            return masks.stream().map(Tensor::shape).toList();
        }

        synchronized List<Tensor> masks() {
            return new ArrayList<>(masks);
        }

        /** Padded tokens per document that the forward passes computed, by length buckets. */
        synchronized double bucketedPaddedTokensPerDoc() {
            long padded = 0;
            for (Tensor mask : masks) {
                padded += BucketedForward.paddedTokens(TensorMap.of(mask));
            }
            return (double) padded / docs.get();
        }

        double paddedTokensPerDoc() {
            return (double) paddedTokens.get() / docs.get();
        }

        /** Documents per second if the forward passes alone ran, one at a time. */
        double forwardOnlyThroughput() {
            return docs.get() * 1e9 / forwardNanos.get();
        }
    }

    MeteredModel(ModelComponent<F> model, String runId) {
        super(model);
        this.runId = runId;
    }

    static Meter start(String runId) {
        Meter meter = new Meter();
        METERS.put(runId, meter);
        return meter;
    }

    static void stop(String runId) {
        METERS.remove(runId);
    }

    private Meter meter() {
        Meter meter = METERS.get(runId);
        if (meter == null) {
            throw new IllegalStateException("No meter for benchmark run '" + runId + "'");
        }
        return meter;
    }

    @Override
    public TensorMap collate(List<F> features) {
        TensorMap batch = delegate.collate(features);
        Meter meter = meter();
        meter.docs.addAndGet(features.size());
        meter.paddedTokens.addAndGet(delegate.batchStats(batch).paddedTokens());
        return batch;
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        ForwardRunner runner = delegate.openForward(context);
        Meter meter = meter();
        int index = meter.runners.getAndIncrement();
        return new ForwardRunner() {
            @Override
            public TensorMap forward(TensorMap batch) throws Exception {
                long start = System.nanoTime();
                TensorMap outputs = runner.forward(batch);
                long end = System.nanoTime();
                meter.forwardNanos.addAndGet(end - start);
                meter.batch(batch.get(BatchStats.ATTENTION_MASK), start, end, index);
                return outputs;
            }

            @Override
            public void close() throws Exception {
                runner.close();
            }
        };
    }
}
