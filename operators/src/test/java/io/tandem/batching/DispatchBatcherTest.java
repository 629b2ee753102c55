package io.tandem.batching;

import static io.tandem.results.TestingResults.deadLetterIds;
import static io.tandem.results.TestingResults.deadLetterPlaces;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.dispatch.DispatchSchedule;
import io.tandem.doc.Doc;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.TestingModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.PendingDocs;
import io.tandem.records.PendingDocsHandle;
import io.tandem.records.TensorBatch;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobID;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.runtime.clusterframework.types.ResourceID;
import org.apache.flink.runtime.executiongraph.ExecutionAttemptID;
import org.apache.flink.runtime.metrics.groups.TaskManagerMetricGroup;
import org.apache.flink.runtime.metrics.util.TestingMetricRegistry;
import org.apache.flink.runtime.operators.testutils.MockEnvironment;
import org.apache.flink.runtime.operators.testutils.MockEnvironmentBuilder;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.runtime.tasks.mailbox.Mail;
import org.apache.flink.streaming.runtime.tasks.mailbox.TaskMailbox;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The batcher sends a flushed chunk's batches one per credit without blocking its subtask, in
 * order, and sends every queued batch before a checkpoint barrier.
 */
class DispatchBatcherTest {
    private static final int CHUNK = 3;
    private static final int CREDITS = 1;

    private static OneInputStreamOperatorTestHarness<Doc, TensorBatch> harness() throws Exception {
        return harness(OnnxTokenClassifier.tiny());
    }

    private static OneInputStreamOperatorTestHarness<Doc, TensorBatch> harness(
            ModelComponent<?> model) throws Exception {
        DispatchBatcher<?> batcher =
                new DispatchBatcher<>(
                        TestingDocs.finisher(model),
                        BatchSize.parse("1 docs"),
                        CHUNK,
                        60_000,
                        CREDITS,
                        1,
                        0);
        OneInputStreamOperatorTestHarness<Doc, TensorBatch> harness =
                new OneInputStreamOperatorTestHarness<>(batcher);
        harness.open();
        return harness;
    }

    private static StreamRecord<Doc> doc(long seq) {
        return new StreamRecord<>(TestingDocs.doc("d" + seq, seq, 3));
    }

    private static List<Long> sentSeqs(OneInputStreamOperatorTestHarness<Doc, TensorBatch> h) {
        List<Long> seqs = new ArrayList<>();
        for (Object o : h.getOutput()) {
            if (o instanceof StreamRecord<?> r && r.getValue() instanceof TensorBatch batch) {
                seqs.add(batch.seq());
            }
        }
        return seqs;
    }

    /**
     * The arrival numbers of the documents sent to the join, batch after batch: the join takes each
     * batch's documents, handed over in the registry, by the handle the batcher sent.
     */
    private static List<Long> sentArrivals(
            OneInputStreamOperatorTestHarness<?, ?> h, BatchCredits join) {
        List<Long> arrivals = new ArrayList<>();
        for (StreamRecord<PendingDocsHandle> handle :
                h.getSideOutput(DispatchBatcher.PENDING_DOCS)) {
            for (long arrival : join.takeHandedOver(handle.getValue().seq()).arrivals()) {
                arrivals.add(arrival);
            }
        }
        return arrivals;
    }

    private static BatchCredits credits(OneInputStreamOperatorTestHarness<?, ?> h) {
        // The join's side of the same credits: same job, producer 0, attempt 0.
        return BatchCredits.join(
                BatchCredits.key(h.getEnvironment().getJobID().toString(), 0, 0),
                CREDITS,
                BatchCredits.Side.JOIN);
    }

    /** The join's side: gives every credit back as soon as it is taken, from its own thread. */
    private static final class ReturningCredits implements AutoCloseable {
        private final Thread thread;
        private volatile boolean stopped;

        ReturningCredits(BatchCredits credits) {
            thread =
                    new Thread(
                            () -> {
                                while (!stopped) {
                                    if (credits.available() == 0) {
                                        credits.release();
                                    }
                                    Thread.onSpinWait();
                                }
                            });
            thread.start();
        }

        @Override
        public void close() throws InterruptedException {
            stopped = true;
            thread.join();
        }
    }

    /** What the task's mailbox loop does between records. */
    private static void runMails(OneInputStreamOperatorTestHarness<?, ?> h) throws Exception {
        Optional<Mail> mail;
        while ((mail = h.getTaskMailbox().tryTake(TaskMailbox.MIN_PRIORITY)).isPresent()) {
            mail.get().run();
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aFullChunkWaitsForCreditsWithoutBlockingTheSubtask() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            BatchCredits join = credits(h);
            for (long seq = 0; seq < CHUNK; seq++) {
                h.processElement(doc(seq)); // the third fills the chunk: three batches of one
            }
            assertEquals(List.of(0L), sentSeqs(h), "one credit, one batch sent");
            // The subtask is not blocked: the next chunk's documents still come in.
            h.processElement(doc(CHUNK));
            h.processElement(doc(CHUNK + 1));

            join.release(); // the outputs of batch 0 came back
            runMails(h);
            assertEquals(List.of(0L, 1L), sentSeqs(h), "a returned credit sends the next batch");
            assertEquals(
                    2,
                    h.getSideOutput(DispatchBatcher.PENDING_DOCS).size(),
                    "each batch's documents go to the join with it");
            assertEquals(2, join.batchesHandedOver(), "handed over in the registry");
            PendingDocsHandle second =
                    new ArrayList<>(h.getSideOutput(DispatchBatcher.PENDING_DOCS))
                            .get(1)
                            .getValue();
            assertEquals(new PendingDocsHandle(0, 1), second);
            PendingDocs secondDocs = join.takeHandedOver(1);
            assertEquals(List.of("d1"), secondDocs.docs().stream().map(Doc::id).toList());
            try (ReturningCredits returning = new ReturningCredits(join)) {
                h.endInput();
                h.close(); // finish() sends the rest
            }
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), sentSeqs(h));
            join.leave(BatchCredits.Side.JOIN);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void everyQueuedBatchIsSentBeforeTheBarrier() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            BatchCredits join = credits(h);
            for (long seq = 0; seq < CHUNK + 1; seq++) {
                h.processElement(doc(seq));
            }
            assertEquals(List.of(0L), sentSeqs(h));
            // The join returns credits from its own thread while the batcher waits at the barrier.
            try (ReturningCredits returning = new ReturningCredits(join)) {
                h.prepareSnapshotPreBarrier(1);
            }
            assertEquals(List.of(0L, 1L, 2L, 3L), sentSeqs(h), "the open chunk too, in order");
            join.leave(BatchCredits.Side.JOIN);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void aBatchThatFailsToCollateLeavesNoGapInTheArrivalNumbersTheJoinWaitsFor() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h =
                harness(TestingModel.failingCollateOf("fails"))) {
            BatchCredits join = credits(h);
            // Sorted by length the failing document's batch comes first; it arrived second.
            h.processElement(new StreamRecord<>(TestingDocs.doc("first", 0, 3)));
            h.processElement(new StreamRecord<>(TestingDocs.doc("fails", 1, 2)));
            h.processElement(new StreamRecord<>(TestingDocs.doc("third", 2, 4)));
            assertEquals(
                    List.of("fails"), deadLetterIds(h.getSideOutput(AbstractBatcher.DEAD_LETTERS)));
            assertEquals(
                    List.of("collate in ner, batch -1, device -1"),
                    deadLetterPlaces(h.getSideOutput(AbstractBatcher.DEAD_LETTERS)));

            join.release();
            runMails(h);
            assertEquals(List.of(0L, 1L), sentSeqs(h));
            // A deterministic join emits arrival n only after arrival n - 1: a number given to
            // the dead letter would hold every later document back for good.
            assertEquals(List.of(0L, 1L), sentArrivals(h, join));
            join.leave(BatchCredits.Side.JOIN);
        }
    }

    @Test
    @Timeout(value = 30, unit = TimeUnit.SECONDS)
    void batchesInFlightAreCountedPerLinkAsTheScheduleSendsThem() throws Exception {
        int credits = 4;
        int consumers = 2;
        // Each gauge by its scope below the operator: "tandemBatchesInFlight" for the producer,
        // "link.<consumer>.tandemBatchesInFlight" per link.
        Map<String, Gauge<?>> gauges = new ConcurrentHashMap<>();
        TestingMetricRegistry registry =
                TestingMetricRegistry.builder()
                        .setRegisterConsumer(
                                (metric, name, group) -> {
                                    String link = group.getAllVariables().get("<link>");
                                    if (metric instanceof Gauge<?> gauge) {
                                        gauges.put(
                                                link == null ? name : "link." + link + "." + name,
                                                gauge);
                                    }
                                })
                        .build();
        JobID jobId = new JobID();
        TaskManagerMetricGroup taskManager =
                TaskManagerMetricGroup.createTaskManagerMetricGroup(
                        registry, "localhost", ResourceID.generate());
        MockEnvironment environment =
                new MockEnvironmentBuilder()
                        .setJobID(jobId)
                        .setMetricGroup(
                                taskManager
                                        .addJob(jobId, "job")
                                        .addTask(ExecutionAttemptID.randomId(), "batcher"))
                        .build();
        DispatchBatcher<?> batcher =
                new DispatchBatcher<>(
                        TestingDocs.finisher(OnnxTokenClassifier.tiny()),
                        BatchSize.parse("1 docs"),
                        CHUNK,
                        60_000,
                        credits,
                        consumers,
                        0);
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h =
                new OneInputStreamOperatorTestHarness<>(batcher, environment)) {
            h.open();
            BatchCredits join =
                    BatchCredits.join(
                            BatchCredits.key(jobId.toString(), 0, 0),
                            credits,
                            BatchCredits.Side.JOIN);
            for (long seq = 0; seq < CHUNK; seq++) {
                h.processElement(doc(seq));
            }
            assertEquals(List.of(0L, 1L, 2L), sentSeqs(h), "four credits: the chunk is sent");
            DispatchSchedule schedule = DispatchSchedule.of(1, consumers);
            int first = schedule.consumerFor(0, 0);
            int second = schedule.consumerFor(0, 1);
            assertEquals(first, schedule.consumerFor(0, 2), "one producer alternates its links");
            assertEquals(1 - first, second, "one producer feeds both consumers");
            assertEquals(3, gauges.get("tandemBatchesInFlight").getValue());
            assertEquals(2, gauges.get("link." + first + ".tandemBatchesInFlight").getValue());
            assertEquals(1, gauges.get("link." + second + ".tandemBatchesInFlight").getValue());

            join.release(0); // the outputs of batch 0 came back from its link
            assertEquals(2, gauges.get("tandemBatchesInFlight").getValue());
            assertEquals(1, gauges.get("link." + first + ".tandemBatchesInFlight").getValue());
            assertEquals(1, gauges.get("link." + second + ".tandemBatchesInFlight").getValue());
            join.release(1);
            join.release(2);
            assertEquals(0, gauges.get("link." + first + ".tandemBatchesInFlight").getValue());
            assertEquals(0, gauges.get("link." + second + ".tandemBatchesInFlight").getValue());
            join.leave(BatchCredits.Side.JOIN);
        }
    }

    @Test
    void closingTheBatcherClosesTheModelOnceAndReleasesItsTokenizer() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness(model);
        assertTrue(model.tokenizerLoaded(), "open() loads the tokenizer");
        h.close();
        assertEquals(1, model.closes());
        assertFalse(model.tokenizerLoaded(), "tokenizer released");
    }
}
