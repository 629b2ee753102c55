package io.tandem.source;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * A bounded source of one JSON Lines file: each line becomes a {@link RawRecord} whose sequence
 * number is its 0-based line index, so that the output can be put back in input order. Reading is
 * cheap next to NLP, so the file is one split read by one subtask; the job rebalances the records
 * over the CPU task set. Checkpoints store the byte offset, so a restart resumes exactly.
 */
public final class JsonLinesFileSource
        implements Source<RawRecord, JsonLinesSplit, List<JsonLinesSplit>> {
    private static final long serialVersionUID = 1L;

    private final String path;

    public JsonLinesFileSource(Path path) {
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException("Input file " + path + " does not exist");
        }
        this.path = path.toAbsolutePath().toString();
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.BOUNDED;
    }

    @Override
    public SourceReader<RawRecord, JsonLinesSplit> createReader(SourceReaderContext context) {
        return new JsonLinesReader(context);
    }

    @Override
    public SplitEnumerator<JsonLinesSplit, List<JsonLinesSplit>> createEnumerator(
            SplitEnumeratorContext<JsonLinesSplit> context) {
        return new JsonLinesEnumerator(context, List.of(new JsonLinesSplit(path, 0, 1, 0)));
    }

    @Override
    public SplitEnumerator<JsonLinesSplit, List<JsonLinesSplit>> restoreEnumerator(
            SplitEnumeratorContext<JsonLinesSplit> context, List<JsonLinesSplit> checkpoint) {
        return new JsonLinesEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<JsonLinesSplit> getSplitSerializer() {
        return JsonLinesSplitSerializer.INSTANCE;
    }

    @Override
    public SimpleVersionedSerializer<List<JsonLinesSplit>> getEnumeratorCheckpointSerializer() {
        return new SimpleVersionedSerializer<>() {
            @Override
            public int getVersion() {
                return JsonLinesSplitSerializer.INSTANCE.getVersion();
            }

            @Override
            public byte[] serialize(List<JsonLinesSplit> splits) throws IOException {
                DataOutputSerializer out = new DataOutputSerializer(128);
                out.writeInt(splits.size());
                for (JsonLinesSplit split : splits) {
                    JsonLinesSplitSerializer.write(split, out);
                }
                return out.getCopyOfBuffer();
            }

            @Override
            public List<JsonLinesSplit> deserialize(int version, byte[] serialized)
                    throws IOException {
                JsonLinesSplitSerializer.checkVersion(version);
                DataInputDeserializer in = new DataInputDeserializer(serialized);
                int count = in.readInt();
                List<JsonLinesSplit> splits = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    splits.add(JsonLinesSplitSerializer.read(in));
                }
                return splits;
            }
        };
    }

    @Override
    public String toString() {
        return "JsonLinesFileSource(" + path + ")";
    }
}
