package io.tandem.tensor;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
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

    /**
     * Rows {@code [from, to)} along the first axis (the batch axis): the tensor of those rows
     * alone, its other dimensions unchanged.
     */
    public Tensor rows(int from, int to) {
        if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
            throw new IllegalArgumentException(
                    "Rows ["
                            + from
                            + ", "
                            + to
                            + ") of tensor '"
                            + name
                            + "' with shape "
                            + Arrays.toString(shape));
        }
        long[] sliced = shape.clone();
        sliced[0] = to - from;
        int row = Math.toIntExact(rowSize());
        int start = from * row;
        int end = to * row;
        return switch (dtype) {
            case INT64 -> ofLongs(name, sliced, Arrays.copyOfRange(longData, start, end));
            case INT32 -> ofInts(name, sliced, Arrays.copyOfRange(intData, start, end));
            case FLOAT32 -> ofFloats(name, sliced, Arrays.copyOfRange(floatData, start, end));
        };
    }

    /**
     * The tensors' rows one after the other along the first axis; all have this name, type and the
     * same other dimensions.
     */
    public static Tensor concatRows(List<Tensor> parts) {
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Cannot concatenate no tensors");
        }
        Tensor first = parts.get(0);
        if (parts.size() == 1) {
            return first;
        }
        long rows = 0;
        for (Tensor part : parts) {
            if (part.dtype != first.dtype
                    || part.shape.length != first.shape.length
                    || part.shape.length == 0
                    || !Arrays.equals(
                            part.shape, 1, part.shape.length, first.shape, 1, first.shape.length)) {
                throw new IllegalArgumentException(
                        "Cannot concatenate tensor '"
                                + part.name
                                + "' "
                                + part.dtype
                                + Arrays.toString(part.shape)
                                + " after "
                                + first.dtype
                                + Arrays.toString(first.shape));
            }
            rows += part.shape[0];
        }
        long[] shape = first.shape.clone();
        shape[0] = rows;
        int total = Math.toIntExact(rows * first.rowSize());
        int at = 0;
        switch (first.dtype) {
            case INT64 -> {
                long[] data = new long[total];
                for (Tensor part : parts) {
                    System.arraycopy(part.longData, 0, data, at, part.longData.length);
                    at += part.longData.length;
                }
                return ofLongs(first.name, shape, data);
            }
            case INT32 -> {
                int[] data = new int[total];
                for (Tensor part : parts) {
                    System.arraycopy(part.intData, 0, data, at, part.intData.length);
                    at += part.intData.length;
                }
                return ofInts(first.name, shape, data);
            }
            default -> {
                float[] data = new float[total];
                for (Tensor part : parts) {
                    System.arraycopy(part.floatData, 0, data, at, part.floatData.length);
                    at += part.floatData.length;
                }
                return ofFloats(first.name, shape, data);
            }
        }
    }

    /**
     * Groups consecutive rows: group {@code g} takes the next {@code groupRows[g]} rows, padded
     * with zero rows to the largest group, so the result has shape [groups, largest group,
     * ...rest]. The inverse of {@link #ungroupRows}. A model chain uses it to give every model one
     * row per document, whatever each model's rows per document.
     */
    public Tensor groupRows(int[] groupRows) {
        int largest = 0;
        for (int rows : groupRows) {
            largest = Math.max(largest, rows);
        }
        return groupRows(groupRows, largest);
    }

    /**
     * As {@link #groupRows(int[])}, each group padded to {@code width} rows: the parts of a grouped
     * tensor keep its width, so they concatenate again.
     */
    public Tensor groupRows(int[] groupRows, int width) {
        int total = 0;
        for (int rows : groupRows) {
            if (rows > width) {
                throw new IllegalArgumentException(
                        "A group of " + rows + " rows of tensor '" + name + "' in width " + width);
            }
            total += rows;
        }
        int largest = width;
        if (shape.length == 0 || shape[0] != total) {
            throw new IllegalArgumentException(
                    "Cannot group the rows of tensor '"
                            + name
                            + "' with shape "
                            + Arrays.toString(shape)
                            + " into groups of "
                            + Arrays.toString(groupRows)
                            + " rows ("
                            + total
                            + " in all)");
        }
        long[] grouped = new long[shape.length + 1];
        grouped[0] = groupRows.length;
        grouped[1] = largest;
        System.arraycopy(shape, 1, grouped, 2, shape.length - 1);
        int row = Math.toIntExact(rowSize());
        Object source = data();
        Object target = newData(Math.toIntExact((long) groupRows.length * largest * row));
        int from = 0;
        for (int g = 0; g < groupRows.length; g++) {
            System.arraycopy(source, from, target, g * largest * row, groupRows[g] * row);
            from += groupRows[g] * row;
        }
        return withData(grouped, target);
    }

    /**
     * The inverse of {@link #groupRows}: the first {@code groupRows[g]} rows of each group, one
     * group after the other, so shape [groups, largest group, ...rest] becomes [sum, ...rest].
     */
    public Tensor ungroupRows(int[] groupRows) {
        if (shape.length < 2 || shape[0] != groupRows.length) {
            throw new IllegalArgumentException(
                    "Cannot ungroup tensor '"
                            + name
                            + "' with shape "
                            + Arrays.toString(shape)
                            + " into groups of "
                            + Arrays.toString(groupRows)
                            + " rows");
        }
        int total = 0;
        for (int rows : groupRows) {
            if (rows > shape[1]) {
                throw new IllegalArgumentException(
                        "Group of "
                                + rows
                                + " rows in tensor '"
                                + name
                                + "' whose groups hold "
                                + shape[1]);
            }
            total += rows;
        }
        long[] ungrouped = new long[shape.length - 1];
        ungrouped[0] = total;
        System.arraycopy(shape, 2, ungrouped, 1, shape.length - 2);
        int row = Math.toIntExact(rowSize() / shape[1]);
        int groupSize = Math.toIntExact(shape[1]) * row;
        Object source = data();
        Object target = newData(total * row);
        int to = 0;
        for (int g = 0; g < groupRows.length; g++) {
            System.arraycopy(source, g * groupSize, target, to, groupRows[g] * row);
            to += groupRows[g] * row;
        }
        return withData(ungrouped, target);
    }

    /**
     * The rows {@code rows} (indices along the first axis, in that order), each cut to its first
     * {@code width} positions along the second axis: shape [rows.length, width, ...rest]. A forward
     * pass by length buckets takes a bucket's rows with it, without the padding none of them needs.
     */
    public Tensor gatherRows(int[] rows, int width) {
        if (shape.length < 2 || width < 0 || width > shape[1]) {
            throw new IllegalArgumentException(
                    "Cannot cut tensor '"
                            + name
                            + "' with shape "
                            + Arrays.toString(shape)
                            + " to width "
                            + width
                            + " along its second axis");
        }
        int rowSize = Math.toIntExact(rowSize());
        int position = rowSize / Math.toIntExact(shape[1]);
        int kept = width * position;
        Object source = data();
        Object target = newData(rows.length * kept);
        for (int i = 0; i < rows.length; i++) {
            if (rows[i] < 0 || rows[i] >= shape[0]) {
                throw new IllegalArgumentException(
                        "Row "
                                + rows[i]
                                + " of tensor '"
                                + name
                                + "' with shape "
                                + Arrays.toString(shape));
            }
            System.arraycopy(source, rows[i] * rowSize, target, i * kept, kept);
        }
        long[] gathered = shape.clone();
        gathered[0] = rows.length;
        gathered[1] = width;
        return withData(gathered, target);
    }

    /**
     * The inverse of {@link #gatherRows}: a tensor of {@code totalRows} rows where row {@code
     * rows.get(p)[i]} holds row {@code i} of {@code parts.get(p)}. With {@code width} > 0 the
     * second axis becomes {@code width} long, a narrower part's rows followed by zeros; with 0 the
     * parts keep theirs, which must then agree. Rows no part fills are zero. The parts share a
     * name, a type and every dimension after the second axis.
     */
    public static Tensor scatterRows(
            List<Tensor> parts, List<int[]> rows, int totalRows, int width) {
        if (parts.isEmpty() || parts.size() != rows.size() || width < 0) {
            throw new IllegalArgumentException(
                    "Cannot scatter "
                            + parts.size()
                            + " parts with "
                            + rows.size()
                            + " row lists to width "
                            + width);
        }
        Tensor first = parts.get(0);
        long[] scattered = first.shape.clone();
        scattered[0] = totalRows;
        if (width > 0) {
            scattered[1] = width;
        }
        long[] resultRow = scattered.clone();
        resultRow[0] = 1;
        int rowSize = Math.toIntExact(elementCount(first.name, resultRow));
        Object target = first.newData(Math.toIntExact((long) totalRows * rowSize));
        for (int p = 0; p < parts.size(); p++) {
            Tensor part = parts.get(p);
            int[] partRows = rows.get(p);
            boolean fits =
                    part.dtype == first.dtype
                            && part.shape.length == first.shape.length
                            && part.shape.length >= (width > 0 ? 2 : 1)
                            && part.shape[0] == partRows.length
                            && (part.shape.length < 2
                                    || Arrays.equals(
                                                    part.shape,
                                                    2,
                                                    part.shape.length,
                                                    scattered,
                                                    2,
                                                    scattered.length)
                                            && part.shape[1] <= scattered[1]
                                            && (width > 0 || part.shape[1] == scattered[1]));
            if (!fits) {
                throw new IllegalArgumentException(
                        "Cannot scatter part "
                                + Arrays.toString(part.shape)
                                + " ("
                                + part.dtype
                                + ") of tensor '"
                                + part.name
                                + "' into "
                                + Arrays.toString(scattered)
                                + " ("
                                + first.dtype
                                + ") at "
                                + partRows.length
                                + " rows");
            }
            int kept = Math.toIntExact(part.rowSize());
            for (int i = 0; i < partRows.length; i++) {
                if (partRows[i] < 0 || partRows[i] >= totalRows) {
                    throw new IllegalArgumentException(
                            "Row "
                                    + partRows[i]
                                    + " of "
                                    + totalRows
                                    + " in tensor '"
                                    + part.name
                                    + "'");
                }
                System.arraycopy(part.data(), i * kept, target, partRows[i] * rowSize, kept);
            }
        }
        return first.withData(scattered, target);
    }

    private Object data() {
        return switch (dtype) {
            case INT64 -> longData;
            case INT32 -> intData;
            case FLOAT32 -> floatData;
        };
    }

    private Object newData(int length) {
        return switch (dtype) {
            case INT64 -> new long[length];
            case INT32 -> new int[length];
            case FLOAT32 -> new float[length];
        };
    }

    private Tensor withData(long[] newShape, Object data) {
        return switch (dtype) {
            case INT64 -> ofLongs(name, newShape, (long[]) data);
            case INT32 -> ofInts(name, newShape, (int[]) data);
            case FLOAT32 -> ofFloats(name, newShape, (float[]) data);
        };
    }

    /** Elements per row of the first axis. */
    private long rowSize() {
        long size = 1;
        for (int axis = 1; axis < shape.length; axis++) {
            size *= shape[axis];
        }
        return size;
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
