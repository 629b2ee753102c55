package io.tandem.models;

import ai.onnx.proto.OnnxMl.TensorProto;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model that is slow inside ONNX Runtime, for tests of terminate and cancel: square products in a
 * row, seconds of native work for a {@value #WIDTH}-row input, with an identity weight so that
 * values stay finite. ONNX Runtime checks its terminate flag between the products.
 */
public final class SlowGraph {
    /** The width of the input {@code x} and of each product. */
    public static final int WIDTH = 512;

    /** The only input: [rows, {@value #WIDTH}] floats. */
    public static final String INPUT = "x";

    private SlowGraph() {}

    /** Writes the model of {@code products} products to {@code dir}/slow.onnx. */
    public static Path write(Path dir, int products) throws Exception {
        OnnxGraphBuilder g = new OnnxGraphBuilder("slow_chain");
        String x = g.input(INPUT, TensorProto.DataType.FLOAT, "batch", WIDTH);
        float[] weights = new float[WIDTH * WIDTH];
        for (int i = 0; i < WIDTH; i++) {
            weights[i * WIDTH + i] = 1f;
        }
        String w = g.floats("w", new long[] {WIDTH, WIDTH}, weights);
        String y = x;
        for (int i = 0; i < products; i++) {
            y = g.node("MatMul", "y" + i, OnnxGraphBuilder.in(y, w));
        }
        g.output(y, TensorProto.DataType.FLOAT, "batch", WIDTH);
        Path file = dir.resolve("slow.onnx");
        Files.write(file, g.build("a slow chain of products").toByteArray());
        return file;
    }

    /** An input of {@code rows} zero rows. */
    public static TensorMap input(int rows) {
        return TensorMap.of(
                Tensor.ofFloats(INPUT, new long[] {rows, WIDTH}, new float[rows * WIDTH]));
    }
}
