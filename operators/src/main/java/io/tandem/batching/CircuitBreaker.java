package io.tandem.batching;

import io.tandem.results.DeadLetter;
import io.tandem.results.Result;
import io.tandem.results.Stage;

/**
 * Fails the job when most documents fail in a model stage: a model that fails every batch (a sticky
 * CUDA error, a wrong export) would otherwise turn the whole input into dead letters, and in Kafka
 * mode commit their offsets. Failing the job instead leaves those offsets uncommitted, so a fixed
 * model reprocesses them after a restart.
 *
 * <p>Counts the outcome of each document that reached the model stage over a sliding window of the
 * most recent ones. One per operator, used by its task thread only.
 */
public final class CircuitBreaker {
    private final FaultTolerance settings;
    private final String model;
    private final boolean[] failedRing;
    private int seen;
    private int next;
    private int failed;
    private DeadLetter lastFailure;

    public CircuitBreaker(FaultTolerance settings, String model) {
        this.settings = settings;
        this.model = model;
        this.failedRing = new boolean[settings.breakerWindow()];
    }

    /** Counts {@code result} if it is a model-stage outcome, and trips if too many failed. */
    public void record(Result result) {
        if (result.isDeadLetter()) {
            DeadLetter letter = result.deadLetter();
            if (!isModelStage(letter.stage())) {
                return; // a rule-based component's failure says nothing of the model
            }
            lastFailure = letter;
            add(true);
        } else {
            add(false);
        }
    }

    /** A document passed this operator's part of the model stage. */
    public void recordSuccess() {
        add(false);
    }

    static boolean isModelStage(Stage stage) {
        return stage == Stage.PREPROCESS
                || stage == Stage.COLLATE
                || stage == Stage.FORWARD
                || stage == Stage.POSTPROCESS;
    }

    private void add(boolean failure) {
        if (seen == failedRing.length && failedRing[next]) {
            failed--;
        }
        failedRing[next] = failure;
        if (failure) {
            failed++;
        }
        next = (next + 1) % failedRing.length;
        seen = Math.min(seen + 1, failedRing.length);
        if (settings.breakerEnabled()
                && seen >= settings.breakerMinDocuments()
                && failed > settings.breakerFailureRatio() * seen) {
            throw new ModelStageFailingException(message());
        }
    }

    private String message() {
        return "Model '"
                + model
                + "' failed "
                + failed
                + " of the last "
                + seen
                + " documents ("
                + Math.round(100.0 * failed / seen)
                + "%, over tandem.circuit-breaker.failure-ratio = "
                + settings.breakerFailureRatio()
                + "): failing the job instead of dead-lettering them all. Last failure, in "
                + lastFailure.stage().label()
                + ": "
                + lastFailure.errorClass()
                + ": "
                + lastFailure.reason()
                + ". Fix the model or its configuration and restart (Kafka offsets of these"
                + " documents are not committed), or set tandem.circuit-breaker.enabled: false";
    }

    /** The job fails: most documents fail in the model stage. */
    public static final class ModelStageFailingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ModelStageFailingException(String message) {
            super(message);
        }
    }
}
