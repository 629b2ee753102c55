package io.tandem.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtException;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.tensor.TensorMap;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime itself stops a running forward pass when the session is asked to terminate, a
 * request sent before a pass starts stops that pass, and after a reset the next pass of the same
 * session runs normally: what the forward time limit and task cancellation rely on.
 */
class OnnxSessionTerminateTest {
    private static final int CHAIN = 300;

    @TempDir Path dir;

    @Test
    void aRunningForwardPassStopsSoonAfterTerminateAndTheNextOneRunsAfterAReset() throws Exception {
        try (OnnxSession session =
                OnnxSession.open(
                        ModelLocation.file(SlowGraph.write(dir, CHAIN)), ForwardContext.cpu(1))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread run =
                    new Thread(
                            () -> {
                                try {
                                    session.forward(SlowGraph.input(SlowGraph.WIDTH));
                                } catch (Throwable t) {
                                    failure.set(t);
                                }
                            });
            run.start();
            Thread.sleep(300);
            assertTrue(run.isAlive(), "the pass is still running when terminate comes");
            long start = System.nanoTime();
            session.terminate();
            run.join(30_000);
            long stoppedMillis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf(
                    "OnnxSessionTerminateTest: the pass stopped %d ms after terminate%n",
                    stoppedMillis);
            assertInstanceOf(OrtException.class, failure.get());
            assertTrue(
                    failure.get().getMessage().contains("terminate"), failure.get().getMessage());
            assertTrue(stoppedMillis < 2_000, stoppedMillis + " ms");

            // A terminate meant for the last pass does not stop this one once reset.
            session.resetTerminate();
            TensorMap out = session.forward(SlowGraph.input(1));
            assertEquals(SlowGraph.WIDTH, out.tensors().get(0).dim(1));
        }
    }

    @Test
    void aTerminateSentBeforeAPassStartsStopsThatPassUntilReset() throws Exception {
        try (OnnxSession session =
                OnnxSession.open(
                        ModelLocation.file(SlowGraph.write(dir, CHAIN)), ForwardContext.cpu(1))) {
            session.terminate();
            long start = System.nanoTime();
            OrtException error =
                    assertThrows(OrtException.class, () -> session.forward(SlowGraph.input(1)));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertTrue(error.getMessage().contains("terminate"), error.getMessage());
            assertTrue(tookMillis < 2_000, tookMillis + " ms");

            session.resetTerminate();
            assertEquals(
                    SlowGraph.WIDTH, session.forward(SlowGraph.input(1)).tensors().get(0).dim(1));
        }
    }
}
