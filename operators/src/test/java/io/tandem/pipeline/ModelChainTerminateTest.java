package io.tandem.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardTimeoutException;
import io.tandem.inference.IsolatingForward;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.models.SlowGraph;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.TensorMap;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.flink.core.fs.CloseableRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A chain whose second model hangs inside ONNX Runtime is stopped by the time limit and by a
 * cancel, and a cancel that comes between passes stops the next one before it starts.
 */
class ModelChainTerminateTest {
    /** Minutes of native work for one document: a hang, as far as a test can tell. */
    private static final int PRODUCTS = 3000;

    @TempDir Path dir;

    /**
     * The second model: {@link SlowGraph} on {@value SlowGraph#WIDTH} rows per document. It counts
     * the passes that reached its session.
     */
    private static final class SlowModel implements ModelComponent<Integer> {
        private static final long serialVersionUID = 1L;
        private final Path file;
        private final transient AtomicInteger passes = new AtomicInteger();
        private final transient CountDownLatch started = new CountDownLatch(1);

        SlowModel(Path file) {
            this.file = file;
        }

        @Override
        public String name() {
            return "slow";
        }

        @Override
        public Integer preprocess(Doc doc) {
            return 0;
        }

        @Override
        public int rowsOf(Integer features) {
            return SlowGraph.WIDTH;
        }

        @Override
        public TensorMap collate(List<Integer> features) {
            return SlowGraph.input(features.size() * SlowGraph.WIDTH);
        }

        @Override
        public ForwardRunner openForward(ForwardContext context) throws Exception {
            OnnxSession session = OnnxSession.open(ModelLocation.file(file), context);
            return new ForwardRunner() {
                @Override
                public TensorMap forward(TensorMap batch) throws Exception {
                    passes.incrementAndGet();
                    started.countDown();
                    return session.forward(batch);
                }

                @Override
                public void terminate() {
                    session.terminate();
                }

                @Override
                public void resetTerminate() {
                    session.resetTerminate();
                }

                @Override
                public void close() throws Exception {
                    session.close();
                }
            };
        }

        @Override
        public void postprocess(List<Doc> docs, List<Integer> features, TensorMap outputs) {}
    }

    private SlowModel slow;
    private ModelChain chain;

    private IsolatingForward forward(Duration timeout) throws Exception {
        slow = new SlowModel(SlowGraph.write(dir, PRODUCTS));
        chain = new ModelChain(List.of(OnnxTokenClassifier.tiny(), slow));
        chain.open();
        return new IsolatingForward(
                chain.openForward(ForwardContext.cpu(1)),
                chain.name(),
                timeout,
                timeout,
                "model-chain-terminate-test-timer",
                new CloseableRegistry());
    }

    private TensorMap oneDocument() {
        return chain.collate(
                List.of(chain.preprocess(new Doc("d0", "Started aspirin today.", 0, null, null))));
    }

    @Test
    void aHungSecondModelIsTerminatedAtTheTimeLimitAndOnlyItsDocumentFails() throws Exception {
        try (IsolatingForward forward = forward(Duration.ofSeconds(1))) {
            long start = System.nanoTime();
            IsolatingForward.Forwarded result = forward.forward(oneDocument(), new int[] {1});
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf(
                    "ModelChainTerminateTest: the hung second model stopped %d ms after the pass"
                            + " began (limit 1000 ms)%n",
                    tookMillis);
            assertEquals(1, slow.passes.get(), "the second model's pass began");
            assertEquals(1, result.failures().size());
            assertEquals(
                    ForwardTimeoutException.class.getName(), result.failures().get(0).errorClass());
            assertTrue(tookMillis < 20_000, tookMillis + " ms");
        }
    }

    @Test
    void cancellingStopsAHungSecondModel() throws Exception {
        try (IsolatingForward forward = forward(Duration.ofHours(1))) {
            TensorMap batch = oneDocument();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread task =
                    new Thread(
                            () -> {
                                try {
                                    forward.forward(batch, new int[] {1});
                                } catch (Throwable t) {
                                    failure.set(t);
                                }
                            });
            task.start();
            assertTrue(slow.started.await(60, TimeUnit.SECONDS), "the second model began");
            Thread.sleep(200);
            assertTrue(task.isAlive(), "the second model still runs when the cancel comes");
            long start = System.nanoTime();
            forward.cancel();
            task.join(30_000);
            long stoppedMillis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf(
                    "ModelChainTerminateTest: the hung second model stopped %d ms after cancel%n",
                    stoppedMillis);
            assertFalse(task.isAlive(), "the pass ended");
            assertInstanceOf(OrtException.class, failure.get(), "ONNX Runtime's own error");
            assertTrue(stoppedMillis < 5_000, stoppedMillis + " ms");
        }
    }

    @Test
    void aCancelBetweenPassesStopsTheNextPassBeforeItStarts() throws Exception {
        try (IsolatingForward forward = forward(Duration.ofHours(1))) {
            forward.cancel();
            TensorMap batch = oneDocument();
            assertThrows(CancellationException.class, () -> forward.forward(batch, new int[] {1}));
            assertEquals(0, slow.passes.get(), "no pass reached the second model");
        }
    }
}
