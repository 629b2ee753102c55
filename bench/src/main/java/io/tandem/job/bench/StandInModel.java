package io.tandem.job.bench;

import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A token classifier whose forward pass is replaced: the accelerator it stands for is a separate
 * resource, so the runner waits (parked, using no CPU core) {@code nanosPerPaddedToken} per padded
 * token of the batch, then returns all-zero logits of the right shape. With 0 it returns at once:
 * the pipeline then measures its CPU side alone.
 *
 * <p>The wait can also follow a {@link ForwardCost} of the batch's shape ({@link A30Calibration}: a
 * GPU's fixed cost per call included), and the stand-in can be {@linkplain #oneDevice one device}
 * shared by every subtask of the JVM, as one GPU is when several subtasks of a per-record map or a
 * count window call it: their calls then wait for each other.
 *
 * <p>Preprocess, collate and postprocess are the real classifier's, so the CPU side does exactly
 * the work it does with a real model (zero logits decode to no entity).
 */
public final class StandInModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    /** The device the one-device stand-ins of this JVM share: one call at a time, in turn. */
    private static final ReentrantLock ONE_DEVICE = new ReentrantLock(true);

    /** What a forward pass costs the accelerator, by the batch's shape. */
    public interface ForwardCost extends Serializable {
        long nanos(long rows, long sequence);
    }

    /** A fixed cost per padded token and nothing per call. */
    record PerPaddedToken(double nanos) implements ForwardCost {
        PerPaddedToken {
            if (!(nanos >= 0)) {
                throw new IllegalArgumentException(
                        "nanosPerPaddedToken must be >= 0, got " + nanos);
            }
        }

        @Override
        public long nanos(long rows, long sequence) {
            return (long) (nanos * rows * sequence);
        }
    }

    private final OnnxTokenClassifier classifier;
    private final ForwardCost cost;
    private final boolean oneDevice;

    public StandInModel(OnnxTokenClassifier classifier, double nanosPerPaddedToken) {
        this(classifier, new PerPaddedToken(nanosPerPaddedToken), false);
    }

    public StandInModel(OnnxTokenClassifier classifier, ForwardCost cost, boolean oneDevice) {
        super(classifier);
        this.classifier = classifier;
        this.cost = cost;
        this.oneDevice = oneDevice;
    }

    /** The {@link A30Calibration} stand-in, as one device shared by the JVM's subtasks. */
    public static StandInModel calibrated(OnnxTokenClassifier classifier) {
        return new StandInModel(classifier, A30Calibration.INSTANCE, true);
    }

    /** Returns zero logits at once: the CPU side alone. */
    public static StandInModel instant(OnnxTokenClassifier classifier) {
        return new StandInModel(classifier, 0);
    }

    public ForwardCost cost() {
        return cost;
    }

    /** Whether every subtask of the JVM shares this stand-in as one device. */
    public boolean oneDevice() {
        return oneDevice;
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) {
        return new Runner(cost, oneDevice, classifier.labels().size());
    }

    /** Waits what the batch costs (on the shared device, in turn), then returns zero logits. */
    static final class Runner implements ForwardRunner {
        private final ForwardCost cost;
        private final boolean oneDevice;
        private final int labels;

        Runner(ForwardCost cost, boolean oneDevice, int labels) {
            this.cost = cost;
            this.oneDevice = oneDevice;
            this.labels = labels;
        }

        @Override
        public TensorMap forward(TensorMap batch) {
            Tensor ids = batch.get(OnnxTokenClassifier.INPUT_IDS);
            long rows = ids.dim(0);
            long sequence = ids.dim(1);
            long nanos = cost.nanos(rows, sequence);
            if (oneDevice) {
                ONE_DEVICE.lock();
                try {
                    waitFor(nanos);
                } finally {
                    ONE_DEVICE.unlock();
                }
            } else {
                waitFor(nanos);
            }
            float[] logits = new float[Math.toIntExact(rows * sequence * labels)];
            return TensorMap.of(
                    Tensor.ofFloats(
                            OnnxTokenClassifier.LOGITS,
                            new long[] {rows, sequence, labels},
                            logits));
        }

        /** Parks until the deadline: parkNanos may return early, never uses a core meanwhile. */
        static void waitFor(long nanos) {
            long deadline = System.nanoTime() + nanos;
            for (long left = nanos; left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
            }
        }

        @Override
        public void close() {}
    }
}
