package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.doc.Doc;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.junit.jupiter.api.Test;

class CircuitBreakerTest {
    private static final Doc DOC = new Doc("n1", "text", 0, null, null);
    private static final Result OK = Result.output(DOC);

    private static Result failed(Stage stage) {
        return Result.deadLetter(
                new DeadLetters(64).of(DOC, stage, new IllegalStateException("CUDA error 700")));
    }

    private static FaultTolerance settings(boolean enabled) {
        return new FaultTolerance(
                Duration.ofSeconds(1), Duration.ofSeconds(1), enabled, 0.5, 10, 4);
    }

    @Test
    void mostDocumentsFailingInAModelStageFailsTheJobNamingModelShareAndLastError() {
        CircuitBreaker breaker = new CircuitBreaker(settings(true), "ner");
        breaker.record(OK);
        breaker.record(failed(Stage.FORWARD));
        breaker.record(failed(Stage.FORWARD));
        CircuitBreaker.ModelStageFailingException error =
                assertThrows(
                        CircuitBreaker.ModelStageFailingException.class,
                        () -> breaker.record(failed(Stage.POSTPROCESS)));
        assertEquals(
                "Model 'ner' failed 3 of the last 4 documents (75%, over"
                        + " tandem.circuit-breaker.failure-ratio = 0.5): failing the job instead of"
                        + " dead-lettering them all. Last failure, in postprocess:"
                        + " java.lang.IllegalStateException: CUDA error 700. Fix the model or its"
                        + " configuration and restart from the last checkpoint (nothing since it is"
                        + " committed), or set tandem.circuit-breaker.enabled: false",
                error.getMessage());
    }

    @Test
    void itJudgesOnlyAfterTheMinimumAndOverTheWindowOnly() {
        CircuitBreaker early = new CircuitBreaker(settings(true), "ner");
        for (int i = 0; i < 3; i++) {
            early.record(failed(Stage.FORWARD)); // 3 documents < min-documents 4
        }
        CircuitBreaker breaker = new CircuitBreaker(settings(true), "ner");
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < 10; i++) {
                breaker.record(OK); // the window of 10 forgets earlier failures
            }
            for (int i = 0; i < 5; i++) {
                breaker.record(failed(Stage.FORWARD)); // 5 of 10: not over half
            }
        }
        assertThrows(
                CircuitBreaker.ModelStageFailingException.class,
                () -> breaker.record(failed(Stage.FORWARD)));
    }

    /** Window 100, min-documents 10, ratio 0.5: the window alone lets 50 failures in a row by. */
    private static FaultTolerance wideWindow() {
        return new FaultTolerance(Duration.ofSeconds(1), Duration.ofSeconds(1), true, 0.5, 100, 10);
    }

    @Test
    void checkpointsLetAtMostRatioTimesMinDocumentsFailuresOfABrokenModelPass() {
        CircuitBreaker breaker = new CircuitBreaker(wideWindow(), "ner");
        for (int i = 0; i < 100; i++) {
            breaker.record(OK);
            breaker.beforeCheckpoint();
        }
        // A checkpoint after every failure, the worst case: count those it lets pass.
        int committed = 0;
        CircuitBreaker.ModelStageFailingException error = null;
        while (error == null) {
            breaker.record(failed(Stage.FORWARD));
            try {
                breaker.beforeCheckpoint();
                committed++;
            } catch (CircuitBreaker.ModelStageFailingException e) {
                error = e;
            }
        }
        assertEquals(5, committed);
        assertEquals(
                "Model 'ner' failed 6 of the last 10 documents before a checkpoint (more than"
                        + " tandem.circuit-breaker.failure-ratio = 0.5 of"
                        + " tandem.circuit-breaker.min-documents = 10): failing the job before the"
                        + " checkpoint commits their dead letters. Last failure, in forward:"
                        + " java.lang.IllegalStateException: CUDA error 700. Fix the model or its"
                        + " configuration and restart from the last checkpoint (nothing since it is"
                        + " committed), or set tandem.circuit-breaker.enabled: false",
                error.getMessage());
    }

    @Test
    void aRestartedAttemptResumesFromTheStoredWindowAndCommitsNoMoreFailuresThanTheBound()
            throws Exception {
        CircuitBreaker first = new CircuitBreaker(wideWindow(), "ner");
        for (int i = 0; i < 100; i++) {
            first.record(OK);
        }
        for (int i = 0; i < 5; i++) {
            first.record(failed(Stage.FORWARD));
            first.beforeCheckpoint(); // 5 of the last 10: committed
        }
        StoredList state = new StoredList();
        first.snapshotTo(state);
        assertEquals(1, state.values.size());
        assertEquals(100, state.values.get(0).length, "the window, one byte per document");

        CircuitBreaker restarted = new CircuitBreaker(wideWindow(), "ner");
        restarted.resumeFrom(state);
        restarted.beforeCheckpoint(); // the stored failures were judged already
        restarted.record(failed(Stage.FORWARD));
        assertThrows(CircuitBreaker.ModelStageFailingException.class, restarted::beforeCheckpoint);

        CircuitBreaker fresh = new CircuitBreaker(wideWindow(), "ner");
        fresh.record(failed(Stage.FORWARD));
        fresh.beforeCheckpoint(); // without the window it would commit one more
    }

    /** A list state in memory, as the operator state backend would keep it. */
    private static final class StoredList implements ListState<byte[]> {
        final List<byte[]> values = new ArrayList<>();

        @Override
        public Iterable<byte[]> get() {
            return values;
        }

        @Override
        public void add(byte[] value) {
            values.add(value);
        }

        @Override
        public void update(List<byte[]> replacement) {
            values.clear();
            values.addAll(replacement);
        }

        @Override
        public void addAll(List<byte[]> more) {
            values.addAll(more);
        }

        @Override
        public void clear() {
            values.clear();
        }
    }

    @Test
    void failuresAtTheRatioPassEveryCheckpointAndEarlyOnesAreJudgedAgainstMinDocuments() {
        CircuitBreaker breaker = new CircuitBreaker(wideWindow(), "ner");
        for (int i = 0; i < 1000; i++) {
            breaker.record(i % 2 == 1 ? failed(Stage.FORWARD) : OK); // 5 of every 10: not over
            if (i % 7 == 0) {
                breaker.beforeCheckpoint();
            }
        }
        CircuitBreaker early = new CircuitBreaker(wideWindow(), "ner");
        for (int i = 0; i < 5; i++) {
            early.record(failed(Stage.FORWARD));
        }
        early.beforeCheckpoint(); // 5 of 5 seen, not over 0.5 of min-documents 10: committed
        early.record(failed(Stage.FORWARD));
        assertThrows(CircuitBreaker.ModelStageFailingException.class, early::beforeCheckpoint);
    }

    @Test
    void ruleBasedFailuresDoNotCountAndASwitchedOffBreakerNeverTrips() {
        CircuitBreaker breaker = new CircuitBreaker(settings(true), "ner");
        for (int i = 0; i < 20; i++) {
            breaker.record(failed(Stage.COMPONENT));
            breaker.record(failed(Stage.PARSE));
        }
        breaker.beforeCheckpoint();
        CircuitBreaker off = new CircuitBreaker(settings(false), "ner");
        for (int i = 0; i < 20; i++) {
            off.record(failed(Stage.FORWARD));
            off.beforeCheckpoint();
        }
    }

    @Test
    void outOfRangeSettingsAreRefusedNamingTheKey() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new FaultTolerance(
                                        Duration.ofSeconds(1),
                                        Duration.ofSeconds(1),
                                        true,
                                        1.5,
                                        10,
                                        4));
        assertEquals(
                "tandem.circuit-breaker.failure-ratio must be in (0, 1], got 1.5",
                error.getMessage());
        error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new FaultTolerance(
                                        Duration.ofSeconds(1),
                                        Duration.ofSeconds(1),
                                        true,
                                        0.5,
                                        10,
                                        11));
        assertEquals(
                "tandem.circuit-breaker.min-documents must be in [1, tandem.circuit-breaker.window"
                        + " = 10], got 11",
                error.getMessage());
    }
}
