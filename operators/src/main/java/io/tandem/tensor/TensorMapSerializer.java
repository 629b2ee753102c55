package io.tandem.tensor;

import io.tandem.serialization.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes tensors as name, type, shape, then the primitive data in bulk (no per-element calls or
 * boxing; see {@link WireFormat}). Part of the wire format of the tensor and output batches, whose
 * snapshots carry its version.
 */
public final class TensorMapSerializer {
    private static final DType[] TYPES = DType.values();

    private TensorMapSerializer() {}

    public static void write(TensorMap tensors, DataOutputView out) throws IOException {
        WireFormat.writeVarInt(tensors.size(), out);
        for (Tensor tensor : tensors.tensors()) {
            WireFormat.writeString(tensor.name(), out);
            out.writeByte(tensor.dtype().ordinal());
            long[] shape = tensor.shape();
            out.writeByte(shape.length);
            for (long dim : shape) {
                // Dimensions fit an int: the element count of a tensor does.
                WireFormat.writeVarInt(Math.toIntExact(dim), out);
            }
            switch (tensor.dtype()) {
                case INT64 -> WireFormat.writeLongs(tensor.longs(), out);
                case INT32 -> WireFormat.writeInts(tensor.ints(), out);
                case FLOAT32 -> WireFormat.writeFloats(tensor.floats(), out);
            }
        }
    }

    public static TensorMap read(DataInputView in) throws IOException {
        int size = WireFormat.readVarInt(in);
        List<Tensor> tensors = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            String name = WireFormat.readString(in);
            int type = in.readByte();
            if (type < 0 || type >= TYPES.length) {
                throw new IOException("Unknown tensor type " + type + " for tensor '" + name + "'");
            }
            DType dtype = TYPES[type];
            long[] shape = new long[in.readByte()];
            long count = 1;
            for (int d = 0; d < shape.length; d++) {
                shape[d] = WireFormat.readVarInt(in);
                count *= shape[d];
            }
            if (count > Integer.MAX_VALUE) {
                throw new IOException(
                        "Tensor '"
                                + name
                                + "' has shape "
                                + Arrays.toString(shape)
                                + ", over 2^31 elements");
            }
            int n = (int) count;
            tensors.add(
                    switch (dtype) {
                        case INT64 -> {
                            long[] data = new long[n];
                            WireFormat.readLongs(data, in);
                            yield Tensor.ofLongs(name, shape, data);
                        }
                        case INT32 -> {
                            int[] data = new int[n];
                            WireFormat.readInts(data, in);
                            yield Tensor.ofInts(name, shape, data);
                        }
                        case FLOAT32 -> {
                            float[] data = new float[n];
                            WireFormat.readFloats(data, in);
                            yield Tensor.ofFloats(name, shape, data);
                        }
                    });
        }
        return TensorMap.of(tensors);
    }
}
