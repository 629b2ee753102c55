package io.tandem.source;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Serializes {@link FileSplit}s for checkpoints and split assignment. Version 1 was the one-file
 * JSON Lines split (path, byte offset, next line, next sequence number); it still restores.
 */
final class FileSplitSerializer implements SimpleVersionedSerializer<FileSplit> {
    static final FileSplitSerializer INSTANCE = new FileSplitSerializer();
    static final int VERSION = 2;
    private static final int JSON_LINES_ONLY = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(FileSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(96);
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public FileSplit deserialize(int version, byte[] serialized) throws IOException {
        return read(version, new DataInputDeserializer(serialized));
    }

    static void write(FileSplit split, DataOutputView out) throws IOException {
        out.writeUTF(split.path());
        out.writeByte(split.format().ordinal());
        out.writeInt(split.rowGroup());
        out.writeLong(split.firstRow());
        out.writeLong(split.records());
        out.writeLong(split.firstSeq());
        out.writeLong(split.read());
        out.writeLong(split.byteOffset());
    }

    static FileSplit read(int version, DataInputView in) throws IOException {
        if (version == JSON_LINES_ONLY) {
            String path = in.readUTF();
            long byteOffset = in.readLong();
            long read = in.readLong() - 1;
            long nextSeq = in.readLong();
            // The old split did not know its length: it read to the end of the file.
            return new FileSplit(
                    path,
                    InputFormat.JSONL,
                    -1,
                    0,
                    Long.MAX_VALUE,
                    nextSeq - read,
                    read,
                    byteOffset);
        }
        if (version != VERSION) {
            throw new IOException(
                    "Unknown file split version " + version + ", expected 1 or " + VERSION);
        }
        return new FileSplit(
                in.readUTF(),
                InputFormat.values()[in.readByte()],
                in.readInt(),
                in.readLong(),
                in.readLong(),
                in.readLong(),
                in.readLong(),
                in.readLong());
    }
}
