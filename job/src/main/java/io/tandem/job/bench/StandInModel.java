package io.tandem.job.bench;

import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.concurrent.locks.LockSupport;

/**
 * A token classifier whose forward pass is replaced: the accelerator it stands for is a separate
 * resource, so the runner waits (parked, using no CPU core) {@code nanosPerPaddedToken} per padded
 * token of the batch, then returns all-zero logits of the right shape. With 0 it returns at once:
 * the pipeline then measures its CPU side alone.
 *
 * <p>Preprocess, collate and postprocess are the real classifier's, so the CPU side does exactly
 * the work it does with a real model (zero logits decode to no entity).
 */
public final class StandInModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    private final OnnxTokenClassifier classifier;
    private final double nanosPerPaddedToken;

    public StandInModel(OnnxTokenClassifier classifier, double nanosPerPaddedToken) {
        super(classifier);
        if (nanosPerPaddedToken < 0) {
            throw new IllegalArgumentException(
                    "nanosPerPaddedToken must be >= 0, got " + nanosPerPaddedToken);
        }
        this.classifier = classifier;
        this.nanosPerPaddedToken = nanosPerPaddedToken;
    }

    /** Returns zero logits at once: the CPU side alone. */
    public static StandInModel instant(OnnxTokenClassifier classifier) {
        return new StandInModel(classifier, 0);
    }

    public double nanosPerPaddedToken() {
        return nanosPerPaddedToken;
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) {
        return new Runner(nanosPerPaddedToken, classifier.labels().size());
    }

    /** Waits in proportion to the padded tokens, then returns zero logits. */
    static final class Runner implements ForwardRunner {
        private final double nanosPerPaddedToken;
        private final int labels;

        Runner(double nanosPerPaddedToken, int labels) {
            this.nanosPerPaddedToken = nanosPerPaddedToken;
            this.labels = labels;
        }

        @Override
        public TensorMap forward(TensorMap batch) {
            Tensor ids = batch.get(OnnxTokenClassifier.INPUT_IDS);
            long rows = ids.dim(0);
            long sequence = ids.dim(1);
            waitFor((long) (nanosPerPaddedToken * rows * sequence));
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
