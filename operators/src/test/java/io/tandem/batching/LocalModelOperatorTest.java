package io.tandem.batching;

import static io.tandem.results.TestingResults.deadLetterIds;
import static io.tandem.results.TestingResults.deadLetterPlaces;
import static io.tandem.results.TestingResults.deadLetterReasons;
import static io.tandem.results.TestingResults.ids;
import static io.tandem.results.TestingResults.outputIds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.inference.FailingPostprocess;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.TestingModel;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;

/**
 * Without inference subtasks the CPU subtask batches, runs the forward pass and postprocesses in
 * place: a chunk leaves in arrival order in deterministic mode, in batch order otherwise; a failing
 * document or batch becomes dead letters and the others go on; the runner is closed with the
 * operator.
 */
class LocalModelOperatorTest {
    private static final int CHUNK = 4;

    // Arrival order; batching sorts by length: short (2 words), medium (3), long (5), longest (6).
    private static final List<String> ARRIVALS = List.of("long", "short", "longest", "medium");
    private static final List<Integer> WORDS = List.of(5, 2, 6, 3);
    private static final List<String> BY_LENGTH = List.of("short", "medium", "long", "longest");

    private static OneInputStreamOperatorTestHarness<Doc, ?> harness(
            TestingModel model, boolean deterministic) throws Exception {
        return harness(model, BatchSize.parse("1 docs"), deterministic);
    }

    private static OneInputStreamOperatorTestHarness<Doc, ?> harness(
            ModelComponent<?> model, BatchSize batchSize, boolean deterministic) throws Exception {
        LocalModelOperator<?, ?> operator =
                new LocalModelOperator<>(
                        TestingDocs.finisher(model),
                        batchSize,
                        CHUNK,
                        60_000,
                        ForwardContext.cpu(1),
                        deterministic,
                        StageOutput.results());
        OneInputStreamOperatorTestHarness<Doc, ?> harness =
                new OneInputStreamOperatorTestHarness<>(operator);
        harness.open();
        return harness;
    }

    /** The chunk: one document of each length, each a batch of its own. */
    private static void chunk(OneInputStreamOperatorTestHarness<Doc, ?> h) throws Exception {
        for (int i = 0; i < ARRIVALS.size(); i++) {
            h.processElement(new StreamRecord<>(TestingDocs.doc(ARRIVALS.get(i), i, WORDS.get(i))));
        }
    }

    @Test
    void deterministicModeEmitsAChunkInArrivalOrder() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, ?> h = harness(TestingModel.tiny(), true)) {
            chunk(h);
            assertEquals(ARRIVALS, outputIds(h.getOutput()));
        }
    }

    @Test
    void unorderedModeEmitsAChunkInBatchOrder() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, ?> h = harness(TestingModel.tiny(), false)) {
            chunk(h);
            assertEquals(BY_LENGTH, outputIds(h.getOutput()));
        }
    }

    @Test
    void aFailedForwardPassTurnsOnlyItsBatchIntoDeadLetters() throws Exception {
        // Call 1 is the start-up check; call 3 is the second batch, the second shortest document,
        // a batch of one that cannot be split further.
        try (OneInputStreamOperatorTestHarness<Doc, ?> h =
                harness(TestingModel.failingForwardCall(3), true)) {
            chunk(h);
            assertEquals(ARRIVALS, ids(h.getOutput()), "dead letters keep their place");
            assertEquals(List.of("medium"), deadLetterIds(h.getOutput()));
            assertEquals(List.of(TestingModel.forwardFailure(3)), deadLetterReasons(h.getOutput()));
            assertEquals(
                    List.of("forward in ner, batch 1, device -1"), deadLetterPlaces(h.getOutput()));
        }
    }

    @Test
    void aPostprocessFailureOfOneDocumentLeavesTheOthersOfItsBatchAsInAHealthyRun()
            throws Exception {
        // The chunk is one batch: the poison fails it, and splitting retries the others.
        BatchSize wholeChunk = BatchSize.parse(CHUNK + " docs");
        List<Object> healthy;
        try (OneInputStreamOperatorTestHarness<Doc, ?> h =
                harness(TestingModel.tiny(), wholeChunk, true)) {
            drugNotes(h);
            healthy = List.copyOf(h.getOutput());
        }
        try (OneInputStreamOperatorTestHarness<Doc, ?> h =
                harness(
                        FailingPostprocess.of(TestingModel.tiny(), TestingDocs.POISON),
                        wholeChunk,
                        true)) {
            drugNotes(h);

            TestingDocs.assertOnlyThePoisonFailed(
                    h.getOutput(), healthy, "postprocess in ner, batch 0, device -1");
        }
    }

    private static void drugNotes(OneInputStreamOperatorTestHarness<Doc, ?> h) throws Exception {
        for (Doc doc : TestingDocs.drugNotes()) {
            h.processElement(new StreamRecord<>(doc));
        }
    }

    @Test
    void aDocumentThatFailsPreprocessingBecomesADeadLetterAndTheOthersGoOn() throws Exception {
        try (OneInputStreamOperatorTestHarness<Doc, ?> h =
                harness(TestingModel.failingPreprocessOf("short"), true)) {
            chunk(h);
            assertEquals(List.of(), outputIds(h.getOutput()), "the chunk is one document short");
            var deadLetters = h.getSideOutput(AbstractBatcher.DEAD_LETTERS);
            assertEquals(List.of("short"), deadLetterIds(deadLetters));
            assertEquals(
                    List.of("injected preprocessing failure of short"),
                    deadLetterReasons(deadLetters));
            assertEquals(
                    List.of("preprocess in ner, batch -1, device -1"),
                    deadLetterPlaces(deadLetters));

            h.prepareSnapshotPreBarrier(1);
            assertEquals(List.of("long", "longest", "medium"), outputIds(h.getOutput()));
        }
    }

    @Test
    void closingTheOperatorClosesItsForwardRunner() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<Doc, ?> h = harness(model, true);
        assertEquals(1, model.runnersOpened());
        h.close();
        assertEquals(1, model.runnersClosed());
    }

    @Test
    void closingTheOperatorClosesTheModelOnceAndReleasesItsTokenizer() throws Exception {
        TestingModel model = TestingModel.tiny();
        OneInputStreamOperatorTestHarness<Doc, ?> h = harness(model, true);
        assertTrue(model.tokenizerLoaded(), "open() loads the tokenizer");
        h.close();
        assertEquals(1, model.closes());
        assertFalse(model.tokenizerLoaded(), "tokenizer released");
    }
}
