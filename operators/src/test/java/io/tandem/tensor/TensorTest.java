package io.tandem.tensor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.inference.BatchStats;
import io.tandem.inference.Device;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.List;
import org.junit.jupiter.api.Test;

class TensorTest {

    @Test
    void factoriesKeepTypeShapeAndData() {
        Tensor ids = Tensor.ofLongs("input_ids", new long[] {2, 3}, new long[] {1, 2, 3, 4, 5, 6});
        assertEquals(DType.INT64, ids.dtype());
        assertArrayEquals(new long[] {2, 3}, ids.shape());
        assertEquals(3, ids.dim(1));
        assertEquals(6, ids.elementCount());
        assertEquals(48, ids.sizeInBytes());
        assertEquals(5L, ids.longs()[4]);

        Tensor floats = Tensor.ofFloats("logits", new long[] {1, 2, 2}, new float[] {1, 2, 3, 4});
        assertEquals(16, floats.sizeInBytes());
        Tensor ints = Tensor.ofInts("lengths", new long[] {3}, new int[] {7, 8, 9});
        assertEquals(12, ints.sizeInBytes());
        assertEquals(DType.INT32, ints.dtype());
    }

    @Test
    void shapeMustMatchDataLength() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> Tensor.ofLongs("input_ids", new long[] {2, 3}, new long[5]));
        assertTrue(e.getMessage().contains("input_ids"), e.getMessage());
        assertTrue(e.getMessage().contains("[2, 3]"), e.getMessage());
        assertTrue(e.getMessage().contains("5"), e.getMessage());
    }

    @Test
    void wrongTypeAccessNamesBothTypes() {
        Tensor ids = Tensor.ofLongs("input_ids", new long[] {1}, new long[] {1});
        IllegalStateException e = assertThrows(IllegalStateException.class, ids::floats);
        assertTrue(e.getMessage().contains("INT64") && e.getMessage().contains("FLOAT32"));
    }

    @Test
    void shapeAccessorReturnsACopy() {
        Tensor ids = Tensor.ofLongs("x", new long[] {1, 2}, new long[2]);
        ids.shape()[0] = 99;
        assertArrayEquals(new long[] {1, 2}, ids.shape());
    }

    @Test
    void equalityComparesContent() {
        Tensor a = Tensor.ofFloats("x", new long[] {2}, new float[] {1, 2});
        Tensor b = Tensor.ofFloats("x", new long[] {2}, new float[] {1, 2});
        Tensor c = Tensor.ofFloats("x", new long[] {2}, new float[] {1, 3});
        Tensor d = Tensor.ofFloats("x", new long[] {1, 2}, new float[] {1, 2});
        assertEquals(a, b);
        assertEquals(a.hashCode(), b.hashCode());
        assertNotEquals(a, c);
        assertNotEquals(a, d);
    }

    @Test
    void tensorMapGetNamesMissingAndPresent() {
        TensorMap map =
                TensorMap.of(
                        Tensor.ofLongs("input_ids", new long[] {1}, new long[] {1}),
                        Tensor.ofLongs("attention_mask", new long[] {1}, new long[] {1}));
        assertEquals(List.of("input_ids", "attention_mask"), List.copyOf(map.names()));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> map.get("logits"));
        assertTrue(e.getMessage().contains("'logits'"), e.getMessage());
        assertTrue(e.getMessage().contains("[input_ids, attention_mask]"), e.getMessage());
        assertEquals(16, map.sizeInBytes());
    }

    @Test
    void tensorMapRejectsDuplicateNames() {
        Tensor a = Tensor.ofLongs("x", new long[] {1}, new long[] {1});
        assertThrows(IllegalArgumentException.class, () -> TensorMap.of(a, a));
    }

    @Test
    void tensorMapSurvivesJavaSerialization() throws Exception {
        TensorMap map =
                TensorMap.of(
                        Tensor.ofLongs("input_ids", new long[] {1, 2}, new long[] {3, 4}),
                        Tensor.ofFloats("scores", new long[] {2}, new float[] {0.5f, -1f}));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(map);
        }
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            assertEquals(map, in.readObject());
        }
    }

    @Test
    void batchStatsCountRealAndPaddedTokens() {
        TensorMap batch =
                TensorMap.of(
                        Tensor.ofLongs(
                                "attention_mask",
                                new long[] {3, 4},
                                new long[] {1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 0}));
        BatchStats stats = BatchStats.fromAttentionMask(batch);
        assertEquals(new BatchStats(3, 4, 9, 12), stats);
        assertEquals(3, stats.paddingTokens());
        assertEquals(0.75, stats.fillRatio(), 1e-12);
    }

    @Test
    void batchStatsNeedAnAttentionMask() {
        TensorMap batch = TensorMap.of(Tensor.ofLongs("input_ids", new long[] {1}, new long[1]));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class, () -> BatchStats.fromAttentionMask(batch));
        assertTrue(e.getMessage().contains("attention_mask"), e.getMessage());
    }

    @Test
    void forwardContextValidates() {
        assertThrows(IllegalArgumentException.class, () -> new ForwardContext(Device.CUDA, -1, 0));
        assertThrows(IllegalArgumentException.class, () -> new ForwardContext(Device.CPU, -2, 0));
        assertThrows(IllegalArgumentException.class, () -> new ForwardContext(Device.CPU, -1, -1));
        assertTrue(new ForwardContext(Device.AUTO, 0, 1).hasGpu());
    }

    @Test
    void modelLocationsParse() {
        assertEquals(
                ModelLocation.classpath("io/tandem/x.onnx"),
                ModelLocation.parse("classpath:/io/tandem/x.onnx"));
        assertEquals(ModelLocation.Kind.FILE, ModelLocation.parse("/tmp/m.onnx").kind());
        assertEquals("/tmp/m.onnx", ModelLocation.parse("file:/tmp/m.onnx").path());
        assertEquals(ModelLocation.Kind.GENERATED, ModelLocation.parse("generated:bench").kind());
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> ModelLocation.parse("generated:huge"));
        assertTrue(e.getMessage().contains("huge") && e.getMessage().contains("bench"));
    }
}
