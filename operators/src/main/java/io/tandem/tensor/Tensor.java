package io.tandem.tensor;

import java.io.Serializable;
import java.util.Arrays;
import java.util.Objects;

/**
 * A named, typed, shaped primitive array in row-major order. It holds no framework object (no
 * native handle), so it serializes cheaply and can cross from the CPU task set to an inference
 * subtask and back.
 *
 * <p>Exactly one of {@link #longs()}, {@link #ints()} and {@link #floats()} holds the data,
 * matching {@link #dtype()}; its length is the product of the shape. A tensor takes ownership of
 * the arrays it is built from and hands out its backing array without copying, because batches are
 * large and copied often enough already: callers must not modify either.
 */
public final class Tensor implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long[] longData;
    private final int[] intData;
    private final float[] floatData;

    private Tensor(
            String name,
            DType dtype,
            long[] shape,
            long[] longData,
            int[] intData,
            float[] floatData,
            int dataLength) {
        this.name = Objects.requireNonNull(name, "name");
        if (name.isEmpty()) {
            throw new IllegalArgumentException("Tensor name must not be empty");
        }
        this.dtype = dtype;
        this.shape = Objects.requireNonNull(shape, "shape").clone();
        long expected = elementCount(name, this.shape);
        if (expected != dataLength) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + name
                            + "' has shape "
                            + Arrays.toString(shape)
                            + " ("
                            + expected
                            + " elements) but "
                            + dataLength
                            + " "
                            + dtype
                            + " values");
        }
        this.longData = longData;
        this.intData = intData;
        this.floatData = floatData;
    }

    public static Tensor ofLongs(String name, long[] shape, long[] data) {
        Objects.requireNonNull(data, "data");
        return new Tensor(name, DType.INT64, shape, data, null, null, data.length);
    }

    public static Tensor ofInts(String name, long[] shape, int[] data) {
        Objects.requireNonNull(data, "data");
        return new Tensor(name, DType.INT32, shape, null, data, null, data.length);
    }

    public static Tensor ofFloats(String name, long[] shape, float[] data) {
        Objects.requireNonNull(data, "data");
        return new Tensor(name, DType.FLOAT32, shape, null, null, data, data.length);
    }

    /** The same data under another name (a model chain prefixes each model's tensors). */
    public Tensor withName(String newName) {
        int length =
                longData != null
                        ? longData.length
                        : intData != null ? intData.length : floatData.length;
        return new Tensor(newName, dtype, shape, longData, intData, floatData, length);
    }

    private static long elementCount(String name, long[] shape) {
        long count = 1;
        for (long dim : shape) {
            if (dim < 0) {
                throw new IllegalArgumentException(
                        "Tensor '"
                                + name
                                + "' has a negative dimension in shape "
                                + Arrays.toString(shape));
            }
            count = Math.multiplyExact(count, dim);
        }
        return count;
    }

    public String name() {
        return name;
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** Size of dimension {@code axis}. */
    public long dim(int axis) {
        if (axis < 0 || axis >= shape.length) {
            throw new IndexOutOfBoundsException(
                    "Tensor '"
                            + name
                            + "' has rank "
                            + shape.length
                            + ", no axis "
                            + axis
                            + " (shape "
                            + Arrays.toString(shape)
                            + ")");
        }
        return shape[axis];
    }

    public int elementCount() {
        return switch (dtype) {
            case INT64 -> longData.length;
            case INT32 -> intData.length;
            case FLOAT32 -> floatData.length;
        };
    }

    /** Bytes of element data, the part that dominates the serialized size. */
    public long sizeInBytes() {
        return (long) elementCount() * dtype.bytes();
    }

    /** The backing INT64 array (not a copy). */
    public long[] longs() {
        requireType(DType.INT64);
        return longData;
    }

    /** The backing INT32 array (not a copy). */
    public int[] ints() {
        requireType(DType.INT32);
        return intData;
    }

    /** The backing FLOAT32 array (not a copy). */
    public float[] floats() {
        requireType(DType.FLOAT32);
        return floatData;
    }

    private void requireType(DType expected) {
        if (dtype != expected) {
            throw new IllegalStateException(
                    "Tensor '" + name + "' holds " + dtype + " data, not " + expected);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && t.name.equals(name)
                && t.dtype == dtype
                && Arrays.equals(t.shape, shape)
                && Arrays.equals(t.longData, longData)
                && Arrays.equals(t.intData, intData)
                && Arrays.equals(t.floatData, floatData);
    }

    @Override
    public int hashCode() {
        int h = Objects.hash(name, dtype);
        h = 31 * h + Arrays.hashCode(shape);
        h = 31 * h + Arrays.hashCode(longData);
        h = 31 * h + Arrays.hashCode(intData);
        return 31 * h + Arrays.hashCode(floatData);
    }

    @Override
    public String toString() {
        return "Tensor[" + name + ", " + dtype + Arrays.toString(shape) + "]";
    }
}
