package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Doc;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.PendingDocsHandle;
import io.tandem.records.TensorBatch;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A chunk that does not fill up leaves when the maximum batch delay has passed since its first
 * document, measured in processing time that the test sets by hand; the timer of a chunk that
 * already left does nothing to the next one.
 */
class MaxDelayFlushTest {
    private static final int CHUNK = 3;
    private static final long MAX_DELAY = 1_000;
    private static final int CREDITS = 8; // never short: this test is about time, not credits

    /** The join's side of the batcher's registry entry, where its documents are handed over. */
    private BatchCredits join;

    private final List<String> taken = new ArrayList<>();
    private int takenHandles;

    @AfterEach
    void leave() {
        if (join != null) {
            join.leave(BatchCredits.Side.JOIN);
        }
    }

    private OneInputStreamOperatorTestHarness<Doc, TensorBatch> harness() throws Exception {
        DispatchBatcher<?> batcher =
                new DispatchBatcher<>(
                        TestingDocs.finisher(OnnxTokenClassifier.tiny()),
                        BatchSize.parse("8 docs"),
                        CHUNK,
                        MAX_DELAY,
                        CREDITS,
                        1,
                        0);
        OneInputStreamOperatorTestHarness<Doc, TensorBatch> harness =
                new OneInputStreamOperatorTestHarness<>(batcher);
        harness.open();
        harness.setProcessingTime(0);
        join =
                BatchCredits.join(
                        BatchCredits.key(harness.getEnvironment().getJobID().toString(), 0, 0),
                        CREDITS,
                        BatchCredits.Side.JOIN);
        return harness;
    }

    private static void arrives(
            OneInputStreamOperatorTestHarness<Doc, TensorBatch> h, String id, long at)
            throws Exception {
        h.setProcessingTime(at);
        h.processElement(new StreamRecord<>(TestingDocs.doc(id, 0, 3)));
    }

    /**
     * Ids of the documents sent so far, batch after batch: the join's side takes each batch's
     * documents by the handle the batcher sent, once.
     */
    private List<String> sent(OneInputStreamOperatorTestHarness<Doc, TensorBatch> h) {
        var pending = h.getSideOutput(DispatchBatcher.PENDING_DOCS);
        if (pending == null) {
            return taken; // the harness makes a side output on its first record
        }
        while (takenHandles < pending.size()) {
            PendingDocsHandle handle = new ArrayList<>(pending).get(takenHandles++).getValue();
            join.takeHandedOver(handle.seq()).docs().forEach(doc -> taken.add(doc.id()));
        }
        return taken;
    }

    @Test
    void aHalfFullChunkLeavesWhenTheMaximumDelayHasPassedSinceItsFirstDocument() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            arrives(h, "a", 0);
            arrives(h, "b", 400);

            h.setProcessingTime(MAX_DELAY - 1);
            assertEquals(List.of(), sent(h), "before the delay");

            h.setProcessingTime(MAX_DELAY);
            assertEquals(List.of("a", "b"), sent(h), "the delay counts from the first document");
            assertEquals(1, h.getOutput().size(), "one batch");
        }
    }

    @Test
    void theTimerOfAChunkThatFilledUpDoesNotFlushTheNextChunkEarly() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            arrives(h, "a", 0);
            arrives(h, "b", 0);
            arrives(h, "c", 0);
            assertEquals(List.of("a", "b", "c"), sent(h), "a full chunk leaves at once");

            arrives(h, "d", 500);
            h.setProcessingTime(MAX_DELAY);
            assertEquals(List.of("a", "b", "c"), sent(h), "the first chunk's timer fired");

            h.setProcessingTime(500 + MAX_DELAY);
            assertEquals(List.of("a", "b", "c", "d"), sent(h), "the second chunk's timer");
        }
    }

    @Test
    void theTimerOfAChunkFlushedAtABarrierDoesNotFlushTheNextChunkEarly() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            arrives(h, "a", 0);
            h.setProcessingTime(100);
            h.prepareSnapshotPreBarrier(1);
            assertEquals(List.of("a"), sent(h), "the barrier flushes the open chunk");

            arrives(h, "b", 600);
            h.setProcessingTime(MAX_DELAY);
            assertEquals(List.of("a"), sent(h), "the flushed chunk's timer fired");

            h.setProcessingTime(600 + MAX_DELAY);
            assertEquals(List.of("a", "b"), sent(h));
        }
    }

    @Test
    void documentsArrivingLessOftenThanTheMaximumDelayLeaveWithoutWaitingForIt() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            arrives(h, "a", 0);
            assertEquals(List.of(), sent(h), "one arrival says nothing of the rate: a waits");

            // a's timer sends a at 1,000; b comes at 2,000, twice the delay after a.
            arrives(h, "b", 2_000);
            assertEquals(List.of("a", "b"), sent(h), "b leaves at once, not at 3,000");
            arrives(h, "c", 4_000);
            assertEquals(List.of("a", "b", "c"), sent(h));
            assertEquals(3, h.getOutput().size(), "a batch each");
        }
    }

    @Test
    void aBurstAfterSparseArrivalsIsBatchedAgainWithinAFewDocuments() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, TensorBatch> h = harness()) {
            arrives(h, "a", 0);
            arrives(h, "b", 2_000);
            // The mean gap falls by a quarter of the difference per arrival: 1,502, 1,127, 845 ms.
            arrives(h, "c", 2_010);
            arrives(h, "d", 2_011);
            assertEquals(List.of("a", "b", "c", "d"), sent(h), "still sparse on average");
            arrives(h, "e", 2_012);
            assertEquals(List.of("a", "b", "c", "d"), sent(h), "dense again: e waits");

            h.setProcessingTime(2_012 + MAX_DELAY);
            assertEquals(List.of("a", "b", "c", "d", "e"), sent(h), "the delay flushes e");
        }
    }
}
