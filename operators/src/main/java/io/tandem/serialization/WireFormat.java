package io.tandem.serialization;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The building blocks of Tandem's wire formats: variable-length integers, UTF-8 strings and
 * primitive arrays copied in bulk.
 *
 * <ul>
 *   <li>Non-negative ints (lengths, offsets) as unsigned LEB128: one byte below 128.
 *   <li>Strings as their UTF-8 bytes after a varint length; no 64 KB limit, unlike {@code
 *       writeUTF}. A nullable string stores {@code length + 1}, 0 meaning null.
 *   <li>Primitive arrays as little-endian bytes (the order of the native buffers ONNX Runtime
 *       reads), copied with one bulk copy per chunk instead of one call per element.
 * </ul>
 */
public final class WireFormat {
    /** Bytes staged at a time when an array is copied through a view that is not a buffer. */
    private static final int CHUNK_BYTES = 8192;

    /**
     * Each thread's staging chunk, reused: a fresh chunk for every array read was a fifth of what
     * deserializing a tensor batch allocated, and allocation is what a young generation the JVM is
     * still growing makes slow (BENCHMARKS.md, the batch serializer).
     */
    private static final ThreadLocal<byte[]> CHUNK =
            ThreadLocal.withInitial(() -> new byte[CHUNK_BYTES]);

    private WireFormat() {}

    public static void writeVarInt(int value, DataOutputView out) throws IOException {
        if (value < 0) {
            throw new IOException(
                    "Cannot write negative value " + value + " as an unsigned varint");
        }
        while ((value & ~0x7F) != 0) {
            out.writeByte((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out.writeByte(value);
    }

    public static int readVarInt(DataInputView in) throws IOException {
        int value = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readByte();
            value |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                if (value < 0) {
                    break;
                }
                return value;
            }
        }
        throw new IOException("Malformed varint: more than 31 bits or negative");
    }

    /** Signed values near zero (deltas) in few bytes: zig-zag, then a varint. */
    public static void writeSignedVarInt(int value, DataOutputView out) throws IOException {
        writeUnsignedBits((value << 1) ^ (value >> 31), out);
    }

    public static int readSignedVarInt(DataInputView in) throws IOException {
        int zigzag = readUnsignedBits(in);
        return (zigzag >>> 1) ^ -(zigzag & 1);
    }

    private static void writeUnsignedBits(int bits, DataOutputView out) throws IOException {
        while ((bits & ~0x7F) != 0) {
            out.writeByte((bits & 0x7F) | 0x80);
            bits >>>= 7;
        }
        out.writeByte(bits);
    }

    private static int readUnsignedBits(DataInputView in) throws IOException {
        int bits = 0;
        for (int shift = 0; shift < 35; shift += 7) {
            int b = in.readByte();
            bits |= (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return bits;
            }
        }
        throw new IOException("Malformed varint: more than 32 bits");
    }

    public static void writeString(String value, DataOutputView out) throws IOException {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        writeVarInt(utf8.length, out);
        out.write(utf8);
    }

    public static String readString(DataInputView in) throws IOException {
        return readUtf8(in, readVarInt(in));
    }

    public static void writeNullableString(String value, DataOutputView out) throws IOException {
        if (value == null) {
            out.writeByte(0);
            return;
        }
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        writeVarInt(utf8.length + 1, out);
        out.write(utf8);
    }

    public static String readNullableString(DataInputView in) throws IOException {
        int lengthPlusOne = readVarInt(in);
        return lengthPlusOne == 0 ? null : readUtf8(in, lengthPlusOne - 1);
    }

    private static String readUtf8(DataInputView in, int length) throws IOException {
        if (length == 0) {
            return "";
        }
        byte[] utf8 = new byte[length];
        in.readFully(utf8);
        return new String(utf8, StandardCharsets.UTF_8);
    }

    public static void writeLongs(long[] values, DataOutputView out) throws IOException {
        writeBulk(
                values.length,
                Long.BYTES,
                (bytes, at, n) -> bytes.asLongBuffer().put(values, at, n),
                out);
    }

    public static void readLongs(long[] values, DataInputView in) throws IOException {
        readBulk(
                values.length,
                Long.BYTES,
                (bytes, at, n) -> bytes.asLongBuffer().get(values, at, n),
                in);
    }

    public static void writeInts(int[] values, DataOutputView out) throws IOException {
        writeBulk(
                values.length,
                Integer.BYTES,
                (bytes, at, n) -> bytes.asIntBuffer().put(values, at, n),
                out);
    }

    public static void readInts(int[] values, DataInputView in) throws IOException {
        readBulk(
                values.length,
                Integer.BYTES,
                (bytes, at, n) -> bytes.asIntBuffer().get(values, at, n),
                in);
    }

    public static void writeFloats(float[] values, DataOutputView out) throws IOException {
        writeBulk(
                values.length,
                Float.BYTES,
                (bytes, at, n) -> bytes.asFloatBuffer().put(values, at, n),
                out);
    }

    public static void readFloats(float[] values, DataInputView in) throws IOException {
        readBulk(
                values.length,
                Float.BYTES,
                (bytes, at, n) -> bytes.asFloatBuffer().get(values, at, n),
                in);
    }

    /**
     * Copies elements {@code [at, at + n)} of one primitive array to or from {@code bytes}, a
     * little-endian view of exactly {@code n} elements.
     */
    @FunctionalInterface
    private interface BulkCopy {
        void copy(ByteBuffer bytes, int at, int n);
    }

    private static void writeBulk(
            int length, int elementBytes, BulkCopy fromArray, DataOutputView out)
            throws IOException {
        int bytes = Math.multiplyExact(length, elementBytes);
        if (out instanceof DataOutputSerializer buffer && hasRoom(buffer, bytes)) {
            // Reserve the bytes in the buffer, then fill them with one bulk copy.
            buffer.skipBytesToWrite(bytes);
            fromArray.copy(
                    littleEndian(buffer.getSharedBuffer(), buffer.length() - bytes, bytes),
                    0,
                    length);
            return;
        }
        byte[] chunk = CHUNK.get();
        int perChunk = chunk.length / elementBytes;
        for (int at = 0; at < length; at += perChunk) {
            int n = Math.min(perChunk, length - at);
            fromArray.copy(littleEndian(chunk, 0, n * elementBytes), at, n);
            out.write(chunk, 0, n * elementBytes);
        }
    }

    private static void readBulk(int length, int elementBytes, BulkCopy toArray, DataInputView in)
            throws IOException {
        byte[] chunk = CHUNK.get();
        int perChunk = chunk.length / elementBytes;
        for (int at = 0; at < length; at += perChunk) {
            int n = Math.min(perChunk, length - at);
            in.readFully(chunk, 0, n * elementBytes);
            toArray.copy(littleEndian(chunk, 0, n * elementBytes), at, n);
        }
    }

    /**
     * Whether the buffer can take {@code bytes} more without growing: skipping does not grow it,
     * while writing a chunk does (and the buffer then keeps its new size for later records).
     */
    private static boolean hasRoom(DataOutputSerializer buffer, int bytes) {
        return buffer.getSharedBuffer().length - buffer.length() >= bytes;
    }

    private static ByteBuffer littleEndian(byte[] bytes, int offset, int length) {
        return ByteBuffer.wrap(bytes, offset, length).slice().order(ByteOrder.LITTLE_ENDIAN);
    }
}
