package io.tandem.source;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Serializes {@link FileEnumeratorState}. Version 1 was the one-file source's list of unassigned
 * splits; it restores as an input already listed.
 */
final class FileEnumeratorStateSerializer
        implements SimpleVersionedSerializer<FileEnumeratorState> {
    static final FileEnumeratorStateSerializer INSTANCE = new FileEnumeratorStateSerializer();

    @Override
    public int getVersion() {
        return FileSplitSerializer.VERSION;
    }

    @Override
    public byte[] serialize(FileEnumeratorState state) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        out.writeInt(state.unassigned().size());
        for (FileSplit split : state.unassigned()) {
            FileSplitSerializer.write(split, out);
        }
        out.writeInt(state.seen().size());
        for (String path : state.seen()) {
            out.writeUTF(path);
        }
        out.writeLong(state.nextSeq());
        out.writeBoolean(state.listed());
        return out.getCopyOfBuffer();
    }

    @Override
    public FileEnumeratorState deserialize(int version, byte[] serialized) throws IOException {
        DataInputDeserializer in = new DataInputDeserializer(serialized);
        int count = in.readInt();
        List<FileSplit> splits = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            splits.add(FileSplitSerializer.read(version, in));
        }
        if (version < FileSplitSerializer.VERSION) {
            Set<String> seen = new TreeSet<>();
            splits.forEach(split -> seen.add(split.path()));
            return new FileEnumeratorState(splits, seen, 0, true);
        }
        int seenCount = in.readInt();
        Set<String> seen = new TreeSet<>();
        for (int i = 0; i < seenCount; i++) {
            seen.add(in.readUTF());
        }
        return new FileEnumeratorState(splits, seen, in.readLong(), in.readBoolean());
    }
}
