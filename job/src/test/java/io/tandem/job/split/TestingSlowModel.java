package io.tandem.job.split;

import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.TensorMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The tiny model with a deliberately slow forward pass, standing in for a busy GPU; optionally it
 * kills its task once (an {@link Error}, which the inference operator does not turn into dead
 * letters) when {@code failWhen} first holds.
 */
final class TestingSlowModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    static final AtomicInteger FORWARDS = new AtomicInteger();
    static final AtomicBoolean FAILED = new AtomicBoolean();

    private final long forwardMillis;
    private final SerializableCondition failWhen;

    interface SerializableCondition extends BooleanSupplier, java.io.Serializable {}

    TestingSlowModel(long forwardMillis, SerializableCondition failWhen) {
        super(OnnxTokenClassifier.tiny());
        this.forwardMillis = forwardMillis;
        this.failWhen = failWhen;
    }

    static void reset() {
        FORWARDS.set(0);
        FAILED.set(false);
    }

    @Override
    public String name() {
        return "slow-ner";
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        ForwardRunner runner = delegate.openForward(context);
        return new ForwardRunner() {
            @Override
            public TensorMap forward(TensorMap batch) throws Exception {
                Thread.sleep(forwardMillis);
                FORWARDS.incrementAndGet();
                if (failWhen != null
                        && failWhen.getAsBoolean()
                        && FAILED.compareAndSet(false, true)) {
                    throw new AssertionError("injected failure of the inference task");
                }
                return runner.forward(batch);
            }

            @Override
            public void close() throws Exception {
                runner.close();
            }
        };
    }
}
