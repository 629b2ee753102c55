package io.tandem.job.jdbc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.connector.jdbc.core.datastream.source.split.JdbcSourceSplit;
import org.apache.flink.connector.jdbc.core.datastream.source.split.JdbcSourceSplitSerializer;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * What the follow mode's enumerator checkpoints: its position (the highest note_id turned into
 * splits, and the gaps it still waits for) and the splits no reader has taken yet. The splits the
 * readers hold are in the readers' own state.
 */
record NoteFollowState(FollowPosition position, List<JdbcSourceSplit> unassigned) {

    NoteFollowState {
        unassigned = List.copyOf(unassigned);
    }

    /** Version 1: highest (flag, long), gaps (count, id and first-missed pairs), splits. */
    static final class Serializer implements SimpleVersionedSerializer<NoteFollowState> {
        private static final int VERSION = 1;
        private final JdbcSourceSplitSerializer splits = new JdbcSourceSplitSerializer();

        @Override
        public int getVersion() {
            return VERSION;
        }

        @Override
        public byte[] serialize(NoteFollowState state) throws IOException {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                FollowPosition position = state.position();
                out.writeBoolean(position.highest() != null);
                if (position.highest() != null) {
                    out.writeLong(position.highest());
                }
                out.writeInt(position.gaps().size());
                for (Map.Entry<Long, Long> gap : position.gaps().entrySet()) {
                    out.writeLong(gap.getKey());
                    out.writeLong(gap.getValue());
                }
                out.writeInt(splits.getVersion());
                out.writeInt(state.unassigned().size());
                for (JdbcSourceSplit split : state.unassigned()) {
                    byte[] serialized = splits.serialize(split);
                    out.writeInt(serialized.length);
                    out.write(serialized);
                }
            }
            return bytes.toByteArray();
        }

        @Override
        public NoteFollowState deserialize(int version, byte[] serialized) throws IOException {
            if (version != VERSION) {
                throw new IOException("follow state version " + version + "; expected " + VERSION);
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                Long highest = in.readBoolean() ? in.readLong() : null;
                TreeMap<Long, Long> gaps = new TreeMap<>();
                for (int i = in.readInt(); i > 0; i--) {
                    gaps.put(in.readLong(), in.readLong());
                }
                int splitVersion = in.readInt();
                List<JdbcSourceSplit> unassigned = new ArrayList<>();
                for (int i = in.readInt(); i > 0; i--) {
                    byte[] split = new byte[in.readInt()];
                    in.readFully(split);
                    unassigned.add(splits.deserialize(splitVersion, split));
                }
                return new NoteFollowState(new FollowPosition(highest, gaps), unassigned);
            }
        }
    }
}
