package io.tandem.source;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.api.connector.source.SourceReader;
import org.apache.flink.api.connector.source.SourceReaderContext;
import org.apache.flink.api.connector.source.SplitEnumerator;
import org.apache.flink.api.connector.source.SplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.core.io.SimpleVersionedSerializer;

/**
 * The file source with each record reduced to its value as text, for Flink's connector test suites:
 * they compare what the source emits with the data they wrote, and a record's sequence number and
 * path depend on the files around it. Splits, enumerator, readers and checkpoints are the source's
 * own; only the emitted value is mapped.
 */
final class RecordValues implements Source<String, FileSplit, FileEnumeratorState> {
    private static final long serialVersionUID = 1L;
    private final FileInputSource source;

    RecordValues(FileInputSource source) {
        this.source = source;
    }

    @Override
    public Boundedness getBoundedness() {
        return source.getBoundedness();
    }

    @Override
    public SourceReader<String, FileSplit> createReader(SourceReaderContext context)
            throws Exception {
        SourceReader<RawRecord, FileSplit> reader = source.createReader(context);
        return new SourceReader<>() {
            @Override
            public void start() {
                reader.start();
            }

            @Override
            public InputStatus pollNext(ReaderOutput<String> output) throws Exception {
                return reader.pollNext(new ValueOutput(output));
            }

            @Override
            public List<FileSplit> snapshotState(long checkpointId) {
                return reader.snapshotState(checkpointId);
            }

            @Override
            public CompletableFuture<Void> isAvailable() {
                return reader.isAvailable();
            }

            @Override
            public void addSplits(List<FileSplit> splits) {
                reader.addSplits(splits);
            }

            @Override
            public void handleSourceEvents(SourceEvent event) {
                reader.handleSourceEvents(event);
            }

            @Override
            public void notifyNoMoreSplits() {
                reader.notifyNoMoreSplits();
            }

            @Override
            public void close() throws Exception {
                reader.close();
            }
        };
    }

    @Override
    public SplitEnumerator<FileSplit, FileEnumeratorState> createEnumerator(
            SplitEnumeratorContext<FileSplit> context) throws Exception {
        return source.createEnumerator(context);
    }

    @Override
    public SplitEnumerator<FileSplit, FileEnumeratorState> restoreEnumerator(
            SplitEnumeratorContext<FileSplit> context, FileEnumeratorState checkpoint)
            throws Exception {
        return source.restoreEnumerator(context, checkpoint);
    }

    @Override
    public SimpleVersionedSerializer<FileSplit> getSplitSerializer() {
        return source.getSplitSerializer();
    }

    @Override
    public SimpleVersionedSerializer<FileEnumeratorState> getEnumeratorCheckpointSerializer() {
        return source.getEnumeratorCheckpointSerializer();
    }

    private record ValueOutput(ReaderOutput<String> output) implements ReaderOutput<RawRecord> {
        private static String value(RawRecord record) {
            return new String(record.value, StandardCharsets.UTF_8);
        }

        @Override
        public void collect(RawRecord record) {
            output.collect(value(record));
        }

        @Override
        public void collect(RawRecord record, long timestamp) {
            output.collect(value(record), timestamp);
        }

        @Override
        public void emitWatermark(Watermark watermark) {
            output.emitWatermark(watermark);
        }

        @Override
        public void markIdle() {
            output.markIdle();
        }

        @Override
        public void markActive() {
            output.markActive();
        }

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            throw new UnsupportedOperationException("The file source uses no split outputs");
        }

        @Override
        public void releaseOutputForSplit(String splitId) {
            output.releaseOutputForSplit(splitId);
        }
    }
}
