package io.tandem.serialization;

import io.tandem.inference.DType;
import io.tandem.inference.Tensor;
import io.tandem.inference.TensorMap;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes tensors as name, type, shape, then the primitive data in one bulk byte copy (no
 * per-element calls or boxing). Little-endian, like the native buffers ONNX Runtime reads.
 */
public final class TensorMapSerializer {
    private static final DType[] TYPES = DType.values();

    private TensorMapSerializer() {}

    public static void write(TensorMap tensors, DataOutputView out) throws IOException {
        out.writeInt(tensors.size());
        for (Tensor tensor : tensors.tensors()) {
            out.writeUTF(tensor.name());
            out.writeByte(tensor.dtype().ordinal());
            long[] shape = tensor.shape();
            out.writeByte(shape.length);
            for (long dim : shape) {
                out.writeLong(dim);
            }
            int count = tensor.elementCount();
            ByteBuffer bytes =
                    ByteBuffer.allocate(count * tensor.dtype().bytes())
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN);
            switch (tensor.dtype()) {
                case INT64 -> bytes.asLongBuffer().put(tensor.longs());
                case INT32 -> bytes.asIntBuffer().put(tensor.ints());
                case FLOAT32 -> bytes.asFloatBuffer().put(tensor.floats());
            }
            out.write(bytes.array());
        }
    }

    public static TensorMap read(DataInputView in) throws IOException {
        int size = in.readInt();
        List<Tensor> tensors = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String name = in.readUTF();
            int type = in.readByte();
            if (type < 0 || type >= TYPES.length) {
                throw new IOException("Unknown tensor type " + type + " for tensor '" + name + "'");
            }
            DType dtype = TYPES[type];
            long[] shape = new long[in.readByte()];
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = in.readLong();
                count *= shape[d];
            }
            byte[] raw = new byte[Math.toIntExact(count * dtype.bytes())];
            in.readFully(raw);
            ByteBuffer bytes = ByteBuffer.wrap(raw).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            int n = (int) count;
            tensors.add(
                    switch (dtype) {
                        case INT64 -> {
                            long[] data = new long[n];
                            bytes.asLongBuffer().get(data);
                            yield Tensor.ofLongs(name, shape, data);
                        }
                        case INT32 -> {
                            int[] data = new int[n];
                            bytes.asIntBuffer().get(data);
                            yield Tensor.ofInts(name, shape, data);
                        }
                        case FLOAT32 -> {
                            float[] data = new float[n];
                            bytes.asFloatBuffer().get(data);
                            yield Tensor.ofFloats(name, shape, data);
                        }
                    });
        }
        return TensorMap.of(tensors);
    }
}
