package io.tandem.source;

import java.io.IOException;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Serializes {@link JsonLinesSplit}s for checkpoints and split assignment. */
final class JsonLinesSplitSerializer implements SimpleVersionedSerializer<JsonLinesSplit> {
    static final JsonLinesSplitSerializer INSTANCE = new JsonLinesSplitSerializer();
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(JsonLinesSplit split) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        write(split, out);
        return out.getCopyOfBuffer();
    }

    @Override
    public JsonLinesSplit deserialize(int version, byte[] serialized) throws IOException {
        checkVersion(version);
        return read(new DataInputDeserializer(serialized));
    }

    static void write(JsonLinesSplit split, DataOutputSerializer out) throws IOException {
        out.writeUTF(split.path());
        out.writeLong(split.byteOffset());
        out.writeLong(split.nextLine());
        out.writeLong(split.nextSeq());
    }

    static JsonLinesSplit read(DataInputDeserializer in) throws IOException {
        return new JsonLinesSplit(in.readUTF(), in.readLong(), in.readLong(), in.readLong());
    }

    static void checkVersion(int version) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Unknown JSON Lines split version " + version + ", expected " + VERSION);
        }
    }
}
