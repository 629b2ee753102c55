package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.doc.Doc;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.time.Duration;
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
                        + " configuration and restart (Kafka offsets of these documents are not"
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

    @Test
    void ruleBasedFailuresDoNotCountAndASwitchedOffBreakerNeverTrips() {
        CircuitBreaker breaker = new CircuitBreaker(settings(true), "ner");
        for (int i = 0; i < 20; i++) {
            breaker.record(failed(Stage.COMPONENT));
            breaker.record(failed(Stage.PARSE));
        }
        CircuitBreaker off = new CircuitBreaker(settings(false), "ner");
        for (int i = 0; i < 20; i++) {
            off.record(failed(Stage.FORWARD));
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
