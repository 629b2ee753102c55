package io.tandem.source;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import io.tandem.parquet.ParquetRows;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.Watermark;
import org.apache.flink.api.connector.source.ReaderOutput;
import org.apache.flink.api.connector.source.SourceEvent;
import org.apache.flink.api.connector.source.SourceOutput;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.testutils.source.reader.TestingReaderContext;
import org.apache.flink.connector.testutils.source.reader.TestingSplitEnumeratorContext;
import org.apache.flink.core.io.InputStatus;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.groups.OperatorIOMetricGroup;
import org.apache.flink.metrics.groups.SourceReaderMetricGroup;
import org.apache.flink.metrics.groups.SplitEnumeratorMetricGroup;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The file source's {@code pendingRecords}: real readers on real files, driven by hand, and the
 * real enumerator on Flink's testing context, the enumerator's events and splits delivered to the
 * readers as Flink would.
 */
class PendingRecordsTest {
    @TempDir Path dir;

    @Test
    void aReaderCountsWhatIsLeftOfARestoredSplitAndOfItsQueuedSplitsDownToZero() throws Exception {
        // 100 lines of 2 bytes, restored after 30 of them (at byte 60), then 50 more lines.
        FileSplit restored =
                new FileSplit(lines("a.jsonl", 100), InputFormat.JSONL, -1, 0, 100, 0, 30, 60);
        FileSplit queued = FileSplit.jsonLines(lines("b.jsonl", 50), 0, 50, 0, 100);
        Reader reader = new Reader();

        reader.source.addSplits(List.of(restored, queued));
        assertEquals(70 + 50, reader.pendingRecords());

        reader.poll(10);
        assertEquals(110, reader.pendingRecords());

        reader.source.handleSourceEvents(new UnassignedRecords(500));
        assertEquals(610, reader.pendingRecords());

        reader.source.handleSourceEvents(new UnassignedRecords(0));
        reader.source.notifyNoMoreSplits();
        reader.drain();
        assertEquals(InputStatus.END_OF_INPUT, reader.status);
        assertEquals(120, reader.emitted);
        assertEquals(0, reader.pendingRecords());
    }

    @Test
    void aSplitWhoseFileEndsBeforeItsCountLeavesNoBacklogBehind() throws Exception {
        // Counted 40 records, but the file has only 25 lines now.
        FileSplit split = FileSplit.jsonLines(lines("short.jsonl", 25), 0, 40, 0, 0);
        Reader reader = new Reader();
        reader.source.addSplits(List.of(split));
        assertEquals(40, reader.pendingRecords());

        reader.source.notifyNoMoreSplits();
        reader.drain();

        assertEquals(25, reader.emitted);
        assertEquals(0, reader.pendingRecords());
    }

    @Test
    void theReadersBacklogsSumToTheRecordsLeftWhileTheEnumeratorHandsOutSplits() throws Exception {
        Job job = new Job();
        assertNotNull(job.context.unassignedSplits, "the enumerator registers unassignedSplits");
        assertEquals(4L, job.context.unassignedSplits.getValue());
        // Reader 1 registers first and reports the unassigned records until reader 0 does.
        for (int id : new int[] {1, 0}) {
            job.register(id);
            assertEquals(job.total, job.backlog(), "after reader " + id + " registered");
        }
        assertEquals(job.total, job.readers.get(0).pendingRecords());

        job.readToTheEnd();

        assertEquals(job.total, job.emitted);
        assertEquals(0, job.backlog());
        assertEquals(0L, job.context.unassignedSplits.getValue());
    }

    @Test
    void aRestartedReaderIsToldTheUnassignedRecordsAgainAndCountsItsSplitFromTheCheckpoint()
            throws Exception {
        Job job = new Job();
        job.register(0);
        job.register(1);
        job.answer(0);
        job.poll(0, 9);
        List<FileSplit> checkpoint = job.readers.get(0).source.snapshotState(1);

        job.restart(0, checkpoint);

        assertEquals(job.total - 9, job.backlog());
        assertEquals(job.total - 9, job.readers.get(0).pendingRecords());
        job.readToTheEnd();
        assertEquals(job.total, job.emitted);
        assertEquals(0, job.backlog());
    }

    @Test
    void aReaderToldThereAreNoMoreSplitsIsToldNothingElseForItMayHaveFinished() throws Exception {
        Job job = new Job();
        job.register(1);
        Reader first = job.readers.get(1);
        for (int round = 0; round < 100 && first.status != InputStatus.END_OF_INPUT; round++) {
            job.answer(1);
            job.poll(1, 9);
        }
        assertEquals(InputStatus.END_OF_INPUT, first.status, "reader 1 read the whole input");
        int eventsToTheFinished = job.context.getSentEvents().get(1).size();

        // Flink fails the job over when an event reaches a finished task.
        job.register(0);
        job.readToTheEnd();

        assertEquals(
                eventsToTheFinished,
                job.context.getSentEvents().get(1).size(),
                "events sent to reader 1 after it was told there are no more splits");
        assertEquals(job.total, job.emitted);
        assertEquals(0, job.backlog());
    }

    /**
     * The enumerator on four splits, the first given back by a failed reader after 30 of its 100
     * records, and two readers; what the enumerator sends reaches the readers when {@link
     * EnumeratorContext#deliver} is called.
     */
    private final class Job {
        final EnumeratorContext context = new EnumeratorContext(2);
        final List<Reader> readers = new ArrayList<>(List.of(new Reader(), new Reader()));
        final long total = 70 + 50 + 40 + 7;
        final FileEnumerator enumerator;
        long emitted;

        Job() throws IOException {
            List<FileSplit> unassigned =
                    List.of(
                            new FileSplit(
                                    lines("a.jsonl", 100),
                                    InputFormat.JSONL,
                                    -1,
                                    0,
                                    100,
                                    0,
                                    30,
                                    60),
                            FileSplit.jsonLines(lines("b.jsonl", 50), 0, 50, 0, 100),
                            FileSplit.jsonLines(lines("c.jsonl", 40), 0, 40, 0, 150),
                            FileSplit.jsonLines(lines("d.jsonl", 7), 0, 7, 0, 190));
            enumerator =
                    new FileEnumerator(
                            context,
                            new InputFiles(dir.toString(), null),
                            null,
                            new FileEnumeratorState(unassigned, Set.of(), 197, true),
                            new FileEnumerator.Counted() {
                                @Override
                                public void counted(long records) {}

                                @Override
                                public void closed() {}
                            });
            enumerator.start();
        }

        long backlog() {
            return readers.stream().mapToLong(Reader::pendingRecords).sum();
        }

        void register(int id) {
            context.registerReader(id, "localhost");
            enumerator.addReader(id);
            context.deliver(readers);
        }

        /** Answers the reader's split requests and delivers what the enumerator sent. */
        void answer(int id) {
            Reader reader = readers.get(id);
            for (int i = reader.requestsAnswered; i < reader.context.getNumSplitRequests(); i++) {
                enumerator.handleSplitRequest(id, null);
            }
            reader.requestsAnswered = reader.context.getNumSplitRequests();
            context.deliver(readers);
        }

        void poll(int id, int records) throws Exception {
            Reader reader = readers.get(id);
            long before = reader.emitted;
            reader.poll(records);
            emitted += reader.emitted - before;
        }

        /**
         * The reader fails and a new attempt starts, as Flink runs it: the failed reader is
         * unregistered, the new attempt restores its splits from its {@code checkpoint} and
         * registers. (The enumerator gets back only splits assigned after the checkpoint: none.)
         */
        void restart(int id, List<FileSplit> checkpoint) {
            Reader failed = readers.get(id);
            Reader restarted = new Reader();
            restarted.eventsDelivered = failed.eventsDelivered;
            restarted.splitsDelivered = failed.splitsDelivered;
            readers.set(id, restarted);
            context.registeredReaders().remove(id);
            restarted.source.addSplits(checkpoint);
            register(id);
        }

        /** Answers and polls the readers in turn, checking the backlog, until both are done. */
        void readToTheEnd() throws Exception {
            for (int round = 0;
                    round < 100
                            && readers.stream().anyMatch(r -> r.status != InputStatus.END_OF_INPUT);
                    round++) {
                for (int id = 0; id < readers.size(); id++) {
                    answer(id);
                    assertEquals(total - emitted, backlog(), "once the splits reached the readers");
                    // An odd step, so that readers stop in the middle of their splits.
                    poll(id, 9);
                    assertEquals(total - emitted, backlog(), "after reader " + id + " read");
                }
            }
            for (Reader reader : readers) {
                assertEquals(InputStatus.END_OF_INPUT, reader.status);
            }
        }
    }

    /** A file of {@code count} two-byte lines. */
    private String lines(String name, int count) throws IOException {
        return Files.writeString(dir.resolve(name), "x\n".repeat(count)).toString();
    }

    /** A real {@link FileReader} and its metric, polled by hand. */
    private static final class Reader {
        final ReaderMetrics metrics = new ReaderMetrics();
        final TestingReaderContext context = new TestingReaderContext(new Configuration(), metrics);
        final FileReader source = new FileReader(context, new ParquetRows("id", "text"));
        final Output output = new Output();
        InputStatus status;
        long emitted;
        int requestsAnswered;
        int eventsDelivered;
        int splitsDelivered;
        boolean noMoreSplitsDelivered;

        Reader() {
            source.start();
        }

        long pendingRecords() {
            return metrics.pendingRecords.getValue();
        }

        /** Emits every record of the splits it holds, asking for no more. */
        void drain() throws Exception {
            for (int i = 0; i < 10_000 && status != InputStatus.END_OF_INPUT; i++) {
                status = source.pollNext(output);
                emitted = output.records;
            }
        }

        /** Emits up to {@code records} records, or stops when the reader has none available. */
        void poll(int records) throws Exception {
            long stop = emitted + records;
            while (emitted < stop) {
                int before = context.getNumSplitRequests();
                status = source.pollNext(output);
                emitted = output.records;
                if (status != InputStatus.MORE_AVAILABLE
                        || context.getNumSplitRequests() > before) {
                    return;
                }
            }
        }
    }

    /** Flink's testing context, with the enumerator's metric kept and its messages delivered. */
    private static final class EnumeratorContext extends TestingSplitEnumeratorContext<FileSplit> {
        Gauge<Long> unassignedSplits;

        EnumeratorContext(int parallelism) {
            super(parallelism);
        }

        @Override
        public SplitEnumeratorMetricGroup metricGroup() {
            return new EnumeratorMetrics(this);
        }

        /** Hands each reader the events and splits sent to it since the last delivery. */
        void deliver(List<Reader> readers) {
            for (int id = 0; id < readers.size(); id++) {
                Reader reader = readers.get(id);
                List<SourceEvent> events = getSentEvents().getOrDefault(id, List.of());
                for (SourceEvent event : events.subList(reader.eventsDelivered, events.size())) {
                    reader.source.handleSourceEvents(event);
                }
                reader.eventsDelivered = events.size();
                var assignment = getSplitAssignments().get(id);
                if (assignment == null) {
                    continue;
                }
                List<FileSplit> splits = assignment.getAssignedSplits();
                reader.source.addSplits(
                        new ArrayList<>(splits.subList(reader.splitsDelivered, splits.size())));
                reader.splitsDelivered = splits.size();
                if (assignment.hasReceivedNoMoreSplitsSignal() && !reader.noMoreSplitsDelivered) {
                    reader.source.notifyNoMoreSplits();
                    reader.noMoreSplitsDelivered = true;
                }
            }
        }
    }

    private static final class EnumeratorMetrics extends UnregisteredMetricsGroup
            implements SplitEnumeratorMetricGroup {
        private final EnumeratorContext context;

        EnumeratorMetrics(EnumeratorContext context) {
            this.context = context;
        }

        @Override
        public <G extends Gauge<Long>> G setUnassignedSplitsGauge(G gauge) {
            context.unassignedSplits = gauge;
            return gauge;
        }
    }

    private static final class ReaderMetrics extends UnregisteredMetricsGroup
            implements SourceReaderMetricGroup {
        private final SourceReaderMetricGroup unregistered =
                UnregisteredMetricsGroup.createSourceReaderMetricGroup();
        Gauge<Long> pendingRecords;

        @Override
        public void setPendingRecordsGauge(Gauge<Long> gauge) {
            pendingRecords = gauge;
        }

        @Override
        public void setPendingBytesGauge(Gauge<Long> gauge) {}

        @Override
        public org.apache.flink.metrics.Counter getNumRecordsInErrorsCounter() {
            return unregistered.getNumRecordsInErrorsCounter();
        }

        @Override
        public OperatorIOMetricGroup getIOMetricGroup() {
            return unregistered.getIOMetricGroup();
        }
    }

    /** Counts the records a reader emits. */
    private static final class Output implements ReaderOutput<RawRecord> {
        long records;

        @Override
        public void collect(RawRecord record) {
            records++;
        }

        @Override
        public void collect(RawRecord record, long timestamp) {
            records++;
        }

        @Override
        public void emitWatermark(Watermark watermark) {}

        @Override
        public void markIdle() {}

        @Override
        public void markActive() {}

        @Override
        public SourceOutput<RawRecord> createOutputForSplit(String splitId) {
            return this;
        }

        @Override
        public void releaseOutputForSplit(String splitId) {}
    }
}
