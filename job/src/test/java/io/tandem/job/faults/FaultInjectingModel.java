package io.tandem.job.faults;

import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.TensorMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tiny token classifier with faults injected into its forward pass, keyed on {@link #MARKER}, a
 * character of the tiny vocabulary that no sample note holds: a batch that holds a marked document
 * throws, hangs until terminated, or does not fit in memory. Static counters are shared with the
 * test, which runs the MiniCluster in its own JVM.
 */
final class FaultInjectingModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    /** In the tiny vocabulary, in no sample note. */
    static final String MARKER = "±";

    /** Forward passes that started, the start-up checks included. */
    static final AtomicInteger FORWARDS = new AtomicInteger();

    /** Milliseconds from the start of the last hang to its terminate. */
    static final java.util.concurrent.atomic.AtomicLong LAST_HANG_MILLIS =
            new java.util.concurrent.atomic.AtomicLong();

    /** Counts down when a pass starts to hang. */
    static volatile CountDownLatch hanging = new CountDownLatch(1);

    /**
     * The wall-clock time (epoch milliseconds) the first pass since {@link #reset} began to hang.
     */
    static volatile long firstHangEpochMillis;

    /** Passes that hung (and were terminated) since {@link #reset}. */
    static final AtomicInteger HANGS = new AtomicInteger();

    enum Fault {
        /** A batch that holds a marked document throws. */
        THROW_ON_MARKER,
        /** A batch that holds a marked document hangs until terminated. */
        HANG_ON_MARKER,
        /** Every pass but the start-up check hangs until terminated. */
        HANG_ALWAYS,
        /** Every pass but the start-up check throws, as a sticky device error would. */
        THROW_ALWAYS,
        /**
         * A batch of more than {@link #MAX_ROWS} rows, or one holding a marked document, fails as
         * ONNX Runtime's allocator does when memory runs out.
         */
        OUT_OF_MEMORY,
        /** The start-up check's forward pass throws, as a model with the wrong outputs would. */
        FAIL_START_UP_CHECK,
        /**
         * The first forward pass after the start-up check kills its task (an {@link Error}, which
         * no batch splitting catches) while {@link #TASK_FAILURES_LEFT} lasts: each kill is a
         * failover.
         */
        KILL_TASK
    }

    /** Task kills {@link Fault#KILL_TASK} still has to inject. */
    static final AtomicInteger TASK_FAILURES_LEFT = new AtomicInteger();

    static final int MAX_ROWS = 4;

    private final Fault fault;

    FaultInjectingModel(Fault fault) {
        this(fault, OnnxTokenClassifier.tiny());
    }

    /** The tiny model under another name, as a later model stage of a pipeline. */
    FaultInjectingModel(Fault fault, String name) {
        this(fault, OnnxTokenClassifier.builder().name(name).build());
    }

    private FaultInjectingModel(Fault fault, OnnxTokenClassifier delegate) {
        super(delegate);
        this.fault = fault;
    }

    static void reset() {
        FORWARDS.set(0);
        HANGS.set(0);
        hanging = new CountDownLatch(1);
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        ForwardRunner runner = delegate.openForward(context);
        int marker = markerId();
        return new ForwardRunner() {
            private volatile CountDownLatch terminated = new CountDownLatch(1);
            private boolean checked;

            @Override
            public TensorMap forward(TensorMap batch) throws Exception {
                FORWARDS.incrementAndGet();
                boolean startUpCheck = !checked;
                checked = true;
                boolean marked = holds(batch, marker);
                switch (fault) {
                    case THROW_ON_MARKER -> {
                        if (marked) {
                            throw new IllegalStateException("injected failure: a marked document");
                        }
                    }
                    case HANG_ON_MARKER -> {
                        if (marked) {
                            hang();
                        }
                    }
                    case HANG_ALWAYS -> {
                        if (!startUpCheck) {
                            hang();
                        }
                    }
                    case THROW_ALWAYS -> {
                        if (!startUpCheck) {
                            throw new IllegalStateException("injected sticky device error");
                        }
                    }
                    case KILL_TASK -> {
                        if (!startUpCheck && TASK_FAILURES_LEFT.getAndDecrement() > 0) {
                            throw new AssertionError("injected failure of the task");
                        }
                    }
                    case FAIL_START_UP_CHECK -> {
                        if (startUpCheck) {
                            throw new IllegalStateException("injected: wrong output shape");
                        }
                    }
                    case OUT_OF_MEMORY -> {
                        long rows = batch.get(OnnxTokenClassifier.INPUT_IDS).dim(0);
                        if (marked || rows > MAX_ROWS) {
                            throw new IllegalStateException(
                                    "Failed to allocate memory for requested buffer of size "
                                            + rows * 1_000_000);
                        }
                    }
                }
                return runner.forward(batch);
            }

            private void hang() throws InterruptedException {
                long start = System.nanoTime();
                if (HANGS.getAndIncrement() == 0) {
                    firstHangEpochMillis = System.currentTimeMillis();
                }
                hanging.countDown();
                // A terminate stands until reset, as ONNX Runtime's terminate flag does.
                if (!terminated.await(10, TimeUnit.MINUTES)) {
                    throw new AssertionError("never terminated");
                }
                LAST_HANG_MILLIS.set((System.nanoTime() - start) / 1_000_000);
                throw new IllegalStateException("Exiting due to terminate flag being set to true.");
            }

            @Override
            public void terminate() {
                terminated.countDown();
            }

            @Override
            public void resetTerminate() {
                terminated = new CountDownLatch(1);
            }

            @Override
            public void close() throws Exception {
                runner.close();
            }
        };
    }

    private static boolean holds(TensorMap batch, int id) {
        for (long token : batch.get(OnnxTokenClassifier.INPUT_IDS).longs()) {
            if (token == id) {
                return true;
            }
        }
        return false;
    }

    /** The marker's one piece id in the model's own tokenizer. */
    private int markerId() {
        OnnxTokenClassifier classifier = (OnnxTokenClassifier) delegate;
        classifier.open();
        int[] ids = classifier.encoder().tokenizer().encode(MARKER).ids();
        if (ids.length != 1) {
            throw new IllegalStateException(MARKER + " is not one piece: " + ids.length);
        }
        return ids[0];
    }
}
