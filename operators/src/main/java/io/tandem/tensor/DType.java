package io.tandem.tensor;

/** Element type of a {@link Tensor}: the few that token models exchange. */
public enum DType {
    INT64(Long.BYTES),
    INT32(Integer.BYTES),
    FLOAT32(Float.BYTES);

    private final int bytes;

    DType(int bytes) {
        this.bytes = bytes;
    }

    /** Size of one element in bytes. */
    public int bytes() {
        return bytes;
    }
}
