package io.tandem.job.sink;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/** Version 1: output bytes, dead-letter bytes, next seq, then the waiting lines. */
final class FileSinkStateSerializer implements SimpleVersionedSerializer<FileSinkState> {
    private static final int VERSION = 1;

    @Override
    public int getVersion() {
        return VERSION;
    }

    @Override
    public byte[] serialize(FileSinkState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeLong(state.outputBytes());
        out.writeLong(state.deadLetterBytes());
        out.writeLong(state.nextSeq());
        out.writeInt(state.waiting().size());
        for (EncodedLine line : state.waiting()) {
            out.writeLong(line.seq());
            out.writeBoolean(line.deadLetter());
            out.writeBoolean(line.key() != null);
            if (line.key() != null) {
                out.writeUTF(line.key());
            }
            byte[] json = line.json().getBytes(java.nio.charset.StandardCharsets.UTF_8);
            out.writeInt(json.length);
            out.write(json);
        }
        return out.getCopyOfBuffer();
    }

    @Override
    public FileSinkState deserialize(int version, byte[] serialized) throws IOException {
        if (version != VERSION) {
            throw new IOException(
                    "Unknown file sink state version " + version + ", expected " + VERSION);
        }
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        long outputBytes = in.readLong();
        long deadLetterBytes = in.readLong();
        long nextSeq = in.readLong();
        int count = in.readInt();
        List<EncodedLine> waiting = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            long seq = in.readLong();
            boolean deadLetter = in.readBoolean();
            String key = in.readBoolean() ? in.readUTF() : null;
            byte[] json = new byte[in.readInt()];
            in.readFully(json);
            waiting.add(
                    new EncodedLine(
                            seq,
                            deadLetter,
                            key,
                            new String(json, java.nio.charset.StandardCharsets.UTF_8)));
        }
        return new FileSinkState(outputBytes, deadLetterBytes, nextSeq, waiting);
    }
}
