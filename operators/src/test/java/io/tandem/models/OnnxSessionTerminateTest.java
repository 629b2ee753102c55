package io.tandem.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnxruntime.OrtException;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ONNX Runtime itself stops a running forward pass when the session is asked to terminate, and the
 * next pass of the same session runs normally: what the forward time limit and task cancellation
 * rely on.
 */
class OnnxSessionTerminateTest {
    private static final int WIDTH = 512;
    private static final int CHAIN = 300;

    @TempDir Path dir;

    /** {@value #CHAIN} square matrix products in a row: seconds of work for a 512-row input. */
    private Path slowModel() throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("slow_chain");
        String x = g.input("x", TensorProto.DataType.FLOAT, "batch", WIDTH);
        float[] weights = new float[WIDTH * WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            weights[i * WIDTH + i] = 1f; // the identity: values stay finite
        }
        String w = g.floats("w", new long[] {WIDTH, WIDTH}, weights);
        String y = x;
        for (int i = 0; i < CHAIN; i++) {
            y = g.node("MatMul", "y" + i, OnnxGraphBuilder.in(y, w));
        }
        g.output(y, TensorProto.DataType.FLOAT, "batch", WIDTH);
        Path file = dir.resolve("slow.onnx");
        Files.write(file, g.build("a slow chain of products").toByteArray());
        return file;
    }

    private static TensorMap input(int rows) {
        return TensorMap.of(
                Tensor.ofFloats("x", new long[] {rows, WIDTH}, new float[rows * WIDTH]));
    }

    @Test
    void aRunningForwardPassStopsSoonAfterTerminateAndTheNextOneRuns() throws Exception {
        try (OnnxSession session =
                OnnxSession.open(ModelLocation.file(slowModel()), ForwardContext.cpu(1))) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread run =
                    new Thread(
                            () -> {
                                try {
                                    session.forward(input(WIDTH));
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

            // A terminate meant for the last pass does not stop this one.
            TensorMap out = session.forward(input(1));
            assertEquals(WIDTH, out.tensors().get(0).dim(1));
        }
    }
}
