package io.tandem.batching;

import io.tandem.results.DeadLetter;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.util.List;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.ListStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;
import org.apache.flink.runtime.state.StateInitializationContext;

/**
 * Fails the job when most documents fail in a model stage: a model that fails every batch (a sticky
 * CUDA error, a wrong export) would otherwise turn the whole input into dead letters, and in Kafka
 * mode commit them with their offsets. Failing the job instead leaves them uncommitted, so a fixed
 * model, restarted from the last checkpoint, processes them.
 *
 * <p>Counts the outcome of each document that reached the model stage over a sliding window of the
 * most recent ones, and judges twice:
 *
 * <ul>
 *   <li>after each document: it trips when more than {@code failure-ratio} of the window failed
 *       (once {@code min-documents} were seen), so a model failing most documents stops
 *       dead-lettering within one window;
 *   <li>before a checkpoint barrier leaves the operator, and at the end of input ({@link
 *       #beforeCheckpoint}): if dead letters of the model stage were emitted since the last
 *       barrier, that checkpoint would commit them, so it trips when more than {@code failure-ratio
 *       × min-documents} of the last {@code min-documents} documents failed. A tripped barrier
 *       never reaches the sink: the checkpoint, its transaction and its source offsets are not
 *       committed.
 * </ul>
 *
 * <p>The guarantee, with exactly-once delivery: a model that fails every document from some point
 * on gets at most {@code floor(failure-ratio × min-documents)} of those documents committed as dead
 * letters per operator instance before the breaker trips (a checkpoint that committed more would
 * have judged more than that many failures among its last {@code min-documents} documents).
 * Everything after them is neither output nor committed dead letter, and is read again from the
 * last checkpoint. Failures below the ratio are dead-lettered as usual: at most {@code
 * failure-ratio × window} of any {@code window} consecutive documents.
 *
 * <p>The window is kept in operator state ({@link #state}), so the guarantee holds across the
 * attempts of a job that restarts with the model still broken: a restarted attempt resumes from the
 * window of the checkpoint it restored, which already holds the failures that checkpoint committed.
 *
 * <p>One per operator, used by its task thread only.
 */
public final class CircuitBreaker {
    private final FaultTolerance settings;
    private final String model;
    private final boolean[] failedRing;
    private int seen;
    private int next;
    private int failed;
    private int failedSinceCheckpoint;
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

    /** Puts an outcome in the window, forgetting the oldest once it is full. */
    private void push(boolean failure) {
        if (seen == failedRing.length && failedRing[next]) {
            failed--;
        }
        failedRing[next] = failure;
        if (failure) {
            failed++;
        }
        next = (next + 1) % failedRing.length;
        seen = Math.min(seen + 1, failedRing.length);
    }

    private void add(boolean failure) {
        push(failure);
        if (failure) {
            failedSinceCheckpoint++;
        }
        if (settings.breakerEnabled()
                && seen >= settings.breakerMinDocuments()
                && failed > settings.breakerFailureRatio() * seen) {
            throw new ModelStageFailingException(
                    "Model '"
                            + model
                            + "' failed "
                            + failed
                            + " of the last "
                            + seen
                            + " documents ("
                            + Math.round(100.0 * failed / seen)
                            + "%, over tandem.circuit-breaker.failure-ratio = "
                            + settings.breakerFailureRatio()
                            + "): failing the job instead of dead-lettering them all. "
                            + lastFailureAndWhatToDo());
        }
    }

    /**
     * Judges the dead letters a checkpoint is about to commit: call it before the barrier leaves
     * the operator ({@code prepareSnapshotPreBarrier}, after the last results before it were
     * counted) and at the end of input. Trips when model-stage dead letters were emitted since the
     * last call and more than {@code failure-ratio × min-documents} of the last {@code
     * min-documents} documents failed; the thrown exception fails the task before the checkpoint
     * can complete.
     */
    public void beforeCheckpoint() {
        if (failedSinceCheckpoint == 0 || !settings.breakerEnabled()) {
            failedSinceCheckpoint = 0;
            return; // the checkpoint commits no dead letter of the model stage
        }
        int judged = settings.breakerMinDocuments();
        int recent = Math.min(judged, seen);
        int recentFailed = 0;
        for (int back = 1; back <= recent; back++) {
            if (failedRing[Math.floorMod(next - back, failedRing.length)]) {
                recentFailed++;
            }
        }
        if (recentFailed > settings.breakerFailureRatio() * judged) {
            throw new ModelStageFailingException(
                    "Model '"
                            + model
                            + "' failed "
                            + recentFailed
                            + " of the last "
                            + recent
                            + " documents before a checkpoint (more than"
                            + " tandem.circuit-breaker.failure-ratio = "
                            + settings.breakerFailureRatio()
                            + " of tandem.circuit-breaker.min-documents = "
                            + judged
                            + "): failing the job before the checkpoint commits their dead"
                            + " letters. "
                            + lastFailureAndWhatToDo());
        }
        failedSinceCheckpoint = 0;
    }

    /**
     * The operator state that keeps the window across restarts: without it every restarted attempt
     * of a job whose model stays broken would start with an empty window, and could commit another
     * {@code floor(failure-ratio × min-documents)} dead letters before tripping again.
     */
    public static ListState<byte[]> state(StateInitializationContext context) throws Exception {
        return context.getOperatorStateStore()
                .getListState(
                        new ListStateDescriptor<>(
                                "tandem-circuit-breaker",
                                PrimitiveArrayTypeInfo.BYTE_PRIMITIVE_ARRAY_TYPE_INFO));
    }

    /**
     * Resumes from the window the last checkpoint stored (after a rescale, from those of the
     * subtasks this one took over, one after the other). Those outcomes were judged already.
     */
    public void resumeFrom(ListState<byte[]> state) throws Exception {
        for (byte[] outcomes : state.get()) {
            for (byte outcome : outcomes) {
                push(outcome == FAILED);
            }
        }
    }

    /** Stores the window, oldest outcome first, one byte each. */
    public void snapshotTo(ListState<byte[]> state) throws Exception {
        byte[] outcomes = new byte[seen];
        for (int i = 0; i < seen; i++) {
            outcomes[i] =
                    failedRing[Math.floorMod(next - seen + i, failedRing.length)] ? FAILED : PASSED;
        }
        state.update(List.of(outcomes));
    }

    private static final byte PASSED = 0;
    private static final byte FAILED = 1;

    private String lastFailureAndWhatToDo() {
        return "Last failure, in "
                + lastFailure.stage().label()
                + ": "
                + lastFailure.errorClass()
                + ": "
                + lastFailure.reason()
                + ". Fix the model or its configuration and restart from the last checkpoint"
                + " (nothing since it is committed), or set tandem.circuit-breaker.enabled: false";
    }

    /** The job fails: most documents fail in the model stage. */
    public static final class ModelStageFailingException extends RuntimeException {
        private static final long serialVersionUID = 1L;

        ModelStageFailingException(String message) {
            super(message);
        }
    }
}
