package io.tandem.join;

import static io.tandem.results.TestingResults.deadLetterIds;
import static io.tandem.results.TestingResults.deadLetterPlaces;
import static io.tandem.results.TestingResults.deadLetterReasons;
import static io.tandem.results.TestingResults.ids;
import static io.tandem.results.TestingResults.outputIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.batching.BatchCredits;
import io.tandem.batching.FeatureCodec;
import io.tandem.batching.StageOutput;
import io.tandem.batching.TestingDocs;
import io.tandem.doc.Doc;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.FailingPostprocess;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.TestingModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.PendingDocsHandle;
import io.tandem.results.Result;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.streaming.util.TwoInputStreamOperatorTestHarness;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The join pairs a batch's documents (input 1) with its outputs (input 2) whichever comes first,
 * gives the batch's credit back, restores arrival order in deterministic mode, turns a failed batch
 * into dead letters, and holds nothing at a checkpoint.
 */
class PostprocessJoinTest {
    private static final int PRODUCER = 0;
    private static final int CREDITS = 4;
    private static final int LINK = 7;
    private static final OnnxTokenClassifier MODEL = OnnxTokenClassifier.tiny();

    private static ForwardRunner runner;

    @BeforeAll
    static void openRunner() throws Exception {
        runner = MODEL.openForward(ForwardContext.cpu(1));
    }

    @AfterAll
    static void closeRunner() throws Exception {
        runner.close();
    }

    /** What the batcher and the inference subtask send the join for one batch. */
    private record Batch(PendingDocs docs, OutputBatch outputs) {
        List<String> ids() {
            return docs.docs().stream().map(Doc::id).toList();
        }
    }

    /**
     * Batch {@code seq} of {@code docs}, in arrival order; its outputs from a real forward pass.
     */
    private static Batch batch(long seq, List<Doc> docs) throws Exception {
        List<TokenClassifierFeatures> features = docs.stream().map(MODEL::preprocess).toList();
        return new Batch(
                new PendingDocs(
                        PRODUCER,
                        seq,
                        docs,
                        LongStream.range(0, docs.size()).toArray(),
                        FeatureCodec.encode(features)),
                OutputBatch.succeeded(
                        PRODUCER,
                        seq,
                        ForwardContext.NO_GPU,
                        runner.forward(MODEL.collate(features))));
    }

    /**
     * Batch {@code seq} of notes {@code ids}, the i-th having reached the producer {@code
     * arrivals[i]}-th; its outputs come from a real forward pass.
     */
    private static Batch batch(long seq, List<String> ids, long... arrivals) throws Exception {
        List<Doc> docs = ids.stream().map(id -> TestingDocs.doc(id, seq, 3)).toList();
        List<TokenClassifierFeatures> features = docs.stream().map(MODEL::preprocess).toList();
        return new Batch(
                new PendingDocs(PRODUCER, seq, docs, arrivals, FeatureCodec.encode(features)),
                OutputBatch.succeeded(
                        PRODUCER,
                        seq,
                        ForwardContext.NO_GPU,
                        runner.forward(MODEL.collate(features))));
    }

    // Sorted-chunk batching put arrivals 3 and 1 in batch 0, arrivals 2 and 0 in batch 1.
    private static Batch first() throws Exception {
        return batch(0, List.of("arrived-3", "arrived-1"), 3, 1);
    }

    private static Batch second() throws Exception {
        return batch(1, List.of("arrived-2", "arrived-0"), 2, 0);
    }

    /** The join in a harness, and the batcher's side of its credits. */
    private static final class Join implements AutoCloseable {
        final TwoInputStreamOperatorTestHarness<PendingDocsHandle, OutputBatch, ?> harness;
        final BatchCredits batcher;

        Join(boolean deterministic) throws Exception {
            this(MODEL, deterministic);
        }

        /** A join postprocessing with {@code model}, which must collate as {@link #MODEL} does. */
        Join(ModelComponent<TokenClassifierFeatures> model, boolean deterministic)
                throws Exception {
            PostprocessJoin<TokenClassifierFeatures, Result> join =
                    PostprocessJoin.of(TestingDocs.finisher(model), CREDITS, deterministic);
            harness = new TwoInputStreamOperatorTestHarness<>(join);
            harness.setup();
            // The batcher registers the credits in this JVM; the join waits for it at open.
            batcher = BatchCredits.forBatcher(join.getRuntimeContext(), CREDITS);
            harness.open();
        }

        /** The batcher takes a credit for each batch it sends, here all to link (consumer) 7. */
        void sent(Batch... batches) {
            for (Batch batch : batches) {
                assertTrue(batcher.tryAcquire(), "a credit for batch " + batch.docs().seq());
                batcher.sent(batch.docs().seq(), LINK);
            }
        }

        /** The batcher hands the batch's documents over, then sends their handle. */
        void docs(Batch batch) throws Exception {
            batcher.handOver(batch.docs());
            harness.processElement1(PendingDocsHandle.of(batch.docs()), 0);
        }

        void outputs(Batch batch) throws Exception {
            outputs(batch.outputs());
        }

        void outputs(OutputBatch outputs) throws Exception {
            harness.processElement2(outputs, 0);
        }

        List<String> emitted() {
            return outputIds(harness.getOutput());
        }

        @Override
        public void close() throws Exception {
            try {
                harness.close();
            } finally {
                batcher.leave(BatchCredits.Side.BATCHER);
            }
        }
    }

    @Test
    void aBatchIsJoinedWhicheverOfItsDocumentsAndOutputsArrivesFirst() throws Exception {
        Batch docsFirst = batch(0, List.of("a"), 0);
        Batch outputsFirst = batch(1, List.of("b"), 1);
        try (Join join = new Join(true)) {
            join.sent(docsFirst, outputsFirst);
            join.docs(docsFirst);
            join.outputs(outputsFirst);
            assertEquals(List.of(), join.emitted());
            assertEquals(CREDITS - 2, join.batcher.available(), "both batches are in flight");

            assertEquals(2, join.batcher.inFlightOn(LINK));

            join.outputs(docsFirst);
            assertEquals(List.of("a"), join.emitted());
            assertEquals(CREDITS - 1, join.batcher.available(), "a joined batch's credit is back");
            assertEquals(1, join.batcher.inFlightOn(LINK), "and its link is freed");

            join.docs(outputsFirst);
            assertEquals(List.of("a", "b"), join.emitted());
            assertEquals(CREDITS, join.batcher.available());
            assertEquals(0, join.batcher.inFlightOn(LINK));
        }
    }

    @Test
    void deterministicModeEmitsDocumentsInArrivalOrderWhicheverBatchIsJoinedFirst()
            throws Exception {
        Batch first = first();
        Batch second = second();
        try (Join join = new Join(true)) {
            join.sent(first, second);
            join.docs(first);
            join.docs(second);

            join.outputs(second);
            assertEquals(
                    List.of("arrived-0"),
                    join.emitted(),
                    "arrival 2 waits for arrival 1, which is in the batch not yet joined");

            join.outputs(first);
            assertEquals(
                    List.of("arrived-0", "arrived-1", "arrived-2", "arrived-3"), join.emitted());
            assertEquals(CREDITS, join.batcher.available());
        }
    }

    @Test
    void unorderedModeEmitsEachBatchAsSoonAsItIsJoined() throws Exception {
        Batch first = first();
        Batch second = second();
        try (Join join = new Join(false)) {
            join.sent(first, second);
            join.docs(first);
            join.docs(second);

            join.outputs(second);
            assertEquals(second.ids(), join.emitted());

            join.outputs(first);
            assertEquals(
                    List.of("arrived-2", "arrived-0", "arrived-3", "arrived-1"), join.emitted());
        }
    }

    @Test
    void aFailedBatchTurnsItsDocumentsIntoDeadLettersAndGivesItsCreditBack() throws Exception {
        Batch failed = first();
        Batch next = second();
        try (Join join = new Join(true)) {
            join.sent(failed, next);
            join.docs(failed);
            join.docs(next);
            join.outputs(
                    OutputBatch.failed(
                            PRODUCER,
                            0,
                            1,
                            new IllegalStateException("CUDA error: out of memory")));

            assertEquals(
                    CREDITS - 1, join.batcher.available(), "the failed batch's credit is back");
            assertEquals(List.of(), ids(join.harness.getOutput()), "arrival 0 is not joined yet");

            join.outputs(next);
            assertEquals(
                    List.of("arrived-0", "arrived-1", "arrived-2", "arrived-3"),
                    ids(join.harness.getOutput()),
                    "dead letters take their place in arrival order");
            assertEquals(
                    List.of("arrived-1", "arrived-3"), deadLetterIds(join.harness.getOutput()));
            String reason = "CUDA error: out of memory";
            assertEquals(List.of(reason, reason), deadLetterReasons(join.harness.getOutput()));
            assertEquals(
                    List.of(
                            "forward in ner, batch 0, device 1",
                            "forward in ner, batch 0, device 1"),
                    deadLetterPlaces(join.harness.getOutput()));
            assertEquals(CREDITS, join.batcher.available());
        }
    }

    @Test
    void aPostprocessFailureOfOneDocumentLeavesTheOthersOfItsBatchAsInAHealthyRun()
            throws Exception {
        List<?> healthy;
        try (Join join = new Join(true)) {
            healthy = joinOneBatch(join, TestingDocs.drugNotes());
        }
        try (Join join = new Join(FailingPostprocess.of(MODEL, TestingDocs.POISON), true)) {
            TestingDocs.assertOnlyThePoisonFailed(
                    joinOneBatch(join, TestingDocs.drugNotes()),
                    healthy,
                    "postprocess in ner, batch 0, device -1");
            assertEquals(CREDITS, join.batcher.available());
        }
    }

    /** Sends {@code docs} through {@code join} as its batch 0; what the join emitted. */
    private static List<?> joinOneBatch(Join join, List<Doc> docs) throws Exception {
        Batch batch = batch(0, docs);
        join.sent(batch);
        join.docs(batch);
        join.outputs(batch);
        return List.copyOf(join.harness.getOutput());
    }

    @Test
    void aCheckpointWhileTheJoinHoldsBatchesFailsNamingThem() throws Exception {
        Batch first = first();
        Batch second = second();
        try (Join join = new Join(true)) {
            join.sent(first, second);
            join.docs(first);
            join.outputs(second);

            Exception e = assertThrows(Exception.class, () -> join.harness.snapshot(1, 1));
            IllegalStateException cause =
                    ExceptionUtils.findThrowable(e, IllegalStateException.class).orElseThrow();
            assertEquals(
                    "Postprocess join of model 'ner', producer 0 still holds batches [0] / outputs [1] at a"
                            + " checkpoint: checkpoints must be aligned (unaligned checkpoints are"
                            + " not supported)",
                    cause.getMessage());
        }
    }

    @Test
    void aJoinThatHoldsNothingCheckpointsOnlyItsCircuitBreakerWindow() throws Exception {
        Batch batch = batch(0, List.of("b", "a"), 1, 0);
        try (Join join = new Join(true)) {
            assertOnlyTheBreakerWindow(join.harness.snapshot(1, 1), "before any batch");

            join.sent(batch);
            join.docs(batch);
            join.outputs(batch);
            assertEquals(List.of("a", "b"), join.emitted());
            assertOnlyTheBreakerWindow(join.harness.snapshot(2, 2), "after every batch was joined");
        }
    }

    /** No documents or outputs: one small operator list state, a byte per recent document. */
    private static void assertOnlyTheBreakerWindow(OperatorSubtaskState state, String when) {
        assertTrue(state.getManagedKeyedState().isEmpty(), when);
        assertTrue(state.getRawKeyedState().isEmpty(), when);
        assertTrue(state.getRawOperatorState().isEmpty(), when);
        long size = state.getManagedOperatorState().getStateSize();
        assertTrue(size < 4096, when + ": " + size + " bytes of operator state");
    }

    @Test
    void documentsOfAnotherProducerAreRefused() throws Exception {
        PendingDocsHandle misrouted = new PendingDocsHandle(PRODUCER + 1, 0);
        try (Join join = new Join(true)) {
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () -> join.harness.processElement1(misrouted, 0));
            assertEquals(
                    "Join subtask 0 received the documents of batch 0 of producer 1: the return"
                            + " edge must partition by producer",
                    e.getMessage());
        }
    }

    @Test
    void aHandleWhoseDocumentsWereNotHandedOverInThisJvmFailsTheJoinInsteadOfLosingThem()
            throws Exception {
        Batch handedOver = first();
        try (Join join = new Join(true)) {
            join.sent(handedOver);
            join.docs(handedOver);
            IllegalStateException e =
                    assertThrows(
                            IllegalStateException.class,
                            () ->
                                    join.harness.processElement1(
                                            new PendingDocsHandle(PRODUCER, 1), 0));
            assertTrue(
                    e.getMessage().startsWith("The documents of batch 1 were not handed over in "),
                    e.getMessage());
            assertTrue(
                    e.getMessage().contains("must run in the same TaskManager and attempt"),
                    e.getMessage());
            assertEquals(0, join.batcher.batchesHandedOver(), "batch 0's were taken on arrival");
        }
    }

    @Test
    void aJoinWhoseBatcherRunsInAnotherJvmFailsAtOpenNamingBothSubtasks() throws Exception {
        // No batcher registers the producer's credits in this JVM, as when Flink placed it in
        // another TaskManager: the join must not start and then stall its batcher.
        PostprocessJoin<TokenClassifierFeatures, Result> join =
                new PostprocessJoin<>(
                        TestingDocs.finisher(MODEL),
                        CREDITS,
                        true,
                        Duration.ofMillis(200),
                        0,
                        StageOutput.results());
        try (var harness = new TwoInputStreamOperatorTestHarness<>(join)) {
            Exception e = assertThrows(Exception.class, harness::open);
            IllegalStateException cause =
                    ExceptionUtils.findThrowable(e, IllegalStateException.class).orElseThrow();
            assertEquals(
                    "Postprocess join of model 'ner', subtask 1/1, attempt 0, found no batcher"
                            + " subtask 1/1, attempt"
                            + " 0 in its JVM ("
                            + ManagementFactory.getRuntimeMXBean().getName()
                            + ") after 200 ms: the batcher and the join of one producer share its"
                            + " batch credits in memory and must run in the same TaskManager"
                            + " (co-location group 'tandem-producer' on the head of the batcher's"
                            + " chain and on the join)",
                    cause.getMessage());
        }
    }

    @Test
    void aJoinThatOpensBeforeItsBatcherWaitsForItsCredits() throws Exception {
        PostprocessJoin<TokenClassifierFeatures, Result> join =
                new PostprocessJoin<>(
                        TestingDocs.finisher(MODEL),
                        CREDITS,
                        true,
                        Duration.ofMinutes(1),
                        0,
                        StageOutput.results());
        try (var harness = new TwoInputStreamOperatorTestHarness<>(join)) {
            harness.setup();
            CompletableFuture<BatchCredits> batcher = new CompletableFuture<>();
            Thread batcherOpens =
                    new Thread(
                            () -> {
                                try {
                                    Thread.sleep(300);
                                    batcher.complete(
                                            BatchCredits.forBatcher(
                                                    join.getRuntimeContext(), CREDITS));
                                } catch (Throwable t) {
                                    batcher.completeExceptionally(t);
                                }
                            });
            batcherOpens.start();
            harness.open();
            BatchCredits credits = batcher.get(1, TimeUnit.MINUTES);
            Batch batch = batch(0, List.of("a"), 0);
            assertTrue(credits.tryAcquire());
            credits.sent(0, LINK);
            credits.handOver(batch.docs());
            harness.processElement1(PendingDocsHandle.of(batch.docs()), 0);
            harness.processElement2(batch.outputs(), 0);
            assertEquals(
                    CREDITS, credits.available(), "the join gave the credit back to that batcher");
            credits.leave(BatchCredits.Side.BATCHER);
        }
    }

    @Test
    void closingTheJoinClosesTheModelOnceAndReleasesItsTokenizer() throws Exception {
        TestingModel model = TestingModel.tiny();
        PostprocessJoin<TokenClassifierFeatures, Result> join =
                PostprocessJoin.of(TestingDocs.finisher(model), CREDITS, true);
        var harness = new TwoInputStreamOperatorTestHarness<>(join);
        harness.setup();
        BatchCredits batcher = BatchCredits.forBatcher(join.getRuntimeContext(), CREDITS);
        harness.open();
        assertTrue(model.tokenizerLoaded(), "open() loads the tokenizer");
        harness.close();
        batcher.leave(BatchCredits.Side.BATCHER);
        assertEquals(1, model.closes());
        assertFalse(model.tokenizerLoaded(), "tokenizer released");
    }
}
