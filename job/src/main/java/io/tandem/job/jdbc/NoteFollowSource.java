package io.tandem.job.jdbc;

import io.tandem.source.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.api.java.typeutils.ResultTypeQueryable;
import org.apache.flink.connector.jdbc.core.datastream.source.JdbcSource;
import org.apache.flink.connector.jdbc.core.datastream.source.split.JdbcSourceSplit;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * NOTE followed ({@code --follow}): an unbounded source whose enumerator ({@link
 * NoteFollowEnumerator}) polls for new note_ids and whose readers are the bounded read's own (the
 * {@link JdbcSource} that {@link NoteInput} builds: the same query per range, the same rows, the
 * same connection per fetcher).
 */
final class NoteFollowSource
        implements Source<RawRecord, JdbcSourceSplit, NoteFollowState>,
                ResultTypeQueryable<RawRecord> {
    private static final long serialVersionUID = 1L;

    private final JdbcSource<RawRecord> reading;
    private final NoteFollowEnumerator.Settings settings;

    NoteFollowSource(JdbcSource<RawRecord> reading, NoteFollowEnumerator.Settings settings) {
        this.reading = reading;
        this.settings = settings;
    }

    @Override
    public Boundedness getBoundedness() {
        return Boundedness.CONTINUOUS_UNBOUNDED;
    }

    @Override
    public SourceReader<RawRecord, JdbcSourceSplit> createReader(SourceReaderContext context)
            throws Exception {
        return reading.createReader(context);
    }

    @Override
    public SplitEnumerator<JdbcSourceSplit, NoteFollowState> createEnumerator(
            SplitEnumeratorContext<JdbcSourceSplit> context) {
        return restoreEnumerator(
                context, new NoteFollowState(FollowPosition.START, java.util.List.of()));
    }

    @Override
    public SplitEnumerator<JdbcSourceSplit, NoteFollowState> restoreEnumerator(
            SplitEnumeratorContext<JdbcSourceSplit> context, NoteFollowState state) {
        return new NoteFollowEnumerator(context, settings, state);
    }

    @Override
    public SimpleVersionedSerializer<JdbcSourceSplit> getSplitSerializer() {
        return reading.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<NoteFollowState> getEnumeratorCheckpointSerializer() {
        return new NoteFollowState.Serializer();
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return reading.getProducedType();
    }

    @Override
    public String toString() {
        return "NOTE followed: "
                + settings.from()
                + " every "
                + settings.interval().toMillis()
                + " ms";
    }
}
