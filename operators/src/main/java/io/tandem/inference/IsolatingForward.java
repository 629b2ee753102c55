package io.tandem.inference;

import io.tandem.doc.Doc;
import io.tandem.records.OutputBatch.DocFailure;
import io.tandem.tensor.TensorMap;
import java.io.Closeable;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.core.fs.CloseableRegistry;

/**
 * A subtask's forward passes, the same in both layouts: each runs under the time limit ({@link
 * ForwardGuard}), and a batch that fails is split between its documents ({@link Bisection}) until
 * only the failing ones are left out; after a pass of the batch timed out, the splits run under the
 * guard's short retry limit. The halves keep the batch's padding, so their outputs join back into
 * the rows of the documents that succeeded, in batch order.
 *
 * <p>Owns the runner: {@link #close} closes it.
 */
public final class IsolatingForward implements AutoCloseable {
    /** The text of the one document of the start-up check. */
    static final String DRY_RUN_TEXT =
            "Tandem checks the model with this sentence before any input.";

    private final ForwardRunner runner;
    private final ForwardGuard guard;
    private final String model;
    private final CloseableRegistry cancelables;
    private final Closeable cancelHook = this::cancel;

    /** The outputs of a batch's surviving documents and what failed. */
    public record Forwarded(
            TensorMap outputs,
            List<DocFailure> failures,
            int extraForwards,
            int allocationFailures) {}

    /**
     * Takes {@code runner} over (closing it if this fails) and registers with the task's {@code
     * cancelables}, which Flink closes when it cancels the task: that terminates the pass in
     * progress.
     */
    public IsolatingForward(
            ForwardRunner runner,
            String model,
            Duration timeout,
            Duration retryTimeout,
            String timerThreadName,
            CloseableRegistry cancelables)
            throws Exception {
        this.runner = runner;
        this.model = model;
        this.cancelables = cancelables;
        ForwardGuard created = null;
        try {
            created = new ForwardGuard(runner, model, timeout, retryTimeout, timerThreadName);
            cancelables.registerCloseable(cancelHook);
        } catch (Exception e) {
            try (runner) {
                if (created != null) {
                    created.close();
                }
            }
            throw e;
        }
        this.guard = created;
    }

    /**
     * Runs {@code batch}, whose documents take {@code docRows} rows each, in order.
     *
     * @throws Exception only when the task is being cancelled; every other failure is a document's
     */
    public Forwarded forward(TensorMap batch, int[] docRows) throws Exception {
        int[] rowStart = new int[docRows.length + 1];
        for (int i = 0; i < docRows.length; i++) {
            rowStart[i + 1] = rowStart[i] + docRows[i];
        }
        // Once a pass of this batch ran past the full limit, the others run under the short retry
        // limit: a hung document costs one full limit, not one per split.
        boolean[] timedOut = {false};
        Bisection.Outcome<TensorMap> outcome =
                Bisection.isolate(
                        docRows.length,
                        (from, to) -> {
                            TensorMap part =
                                    from == 0 && to == docRows.length
                                            ? batch
                                            : batch.rows(rowStart[from], rowStart[to]);
                            int rows = rowStart[to] - rowStart[from];
                            try {
                                return timedOut[0]
                                        ? guard.retry(part, rows)
                                        : guard.forward(part, rows);
                            } catch (ForwardTimeoutException e) {
                                timedOut[0] = true;
                                throw e;
                            }
                        },
                        error -> guard.isCancelled());
        List<TensorMap> parts = new ArrayList<>(outcome.parts().size());
        outcome.parts().forEach(part -> parts.add(part.value()));
        return new Forwarded(
                parts.isEmpty() ? TensorMap.of() : TensorMap.concatRows(parts),
                docFailures(outcome.failures()),
                outcome.extraAttempts(),
                outcome.allocationFailures());
    }

    /** The failures as they travel: a document that did not fit alone says so. */
    public static List<DocFailure> docFailures(List<Bisection.Failure> failures) {
        List<DocFailure> docFailures = new ArrayList<>(failures.size());
        for (Bisection.Failure failure : failures) {
            Throwable error = failure.error();
            String message = error.getMessage() == null ? error.toString() : error.getMessage();
            if (AllocationFailures.isAllocationFailure(error)) {
                message = "the document does not fit in memory alone: " + message;
            }
            docFailures.add(new DocFailure(failure.doc(), error.getClass().getName(), message));
        }
        return docFailures;
    }

    /**
     * The start-up check: one document through preprocess, collate, forward and postprocess, so
     * that a wrong input name, output shape, label count or type fails the job before the first
     * input instead of making every document a dead letter.
     *
     * @throws IllegalStateException naming the model and what failed
     */
    public <F extends Serializable> void checkModel(ModelComponent<F> component) {
        try {
            component.open();
            Doc doc = new Doc("tandem-start-up-check", DRY_RUN_TEXT, -1, null, null);
            F features = component.preprocess(doc);
            TensorMap batch = component.collate(List.of(features));
            int rows = component.rowsOf(features);
            checkRows(batch, rows, "collate");
            TensorMap outputs = guard.forward(batch);
            checkRows(outputs, rows, "the forward pass");
            component.postprocess(List.of(doc), List.of(features), outputs);
        } catch (Exception e) {
            throw new IllegalStateException(
                    "Model '"
                            + model
                            + "' failed its start-up check (one document through preprocess,"
                            + " collate, forward and postprocess): "
                            + e.getMessage(),
                    e);
        }
    }

    private void checkRows(TensorMap tensors, int rows, String where) {
        for (var tensor : tensors.tensors()) {
            if (tensor.rank() == 0 || tensor.dim(0) != rows) {
                throw new IllegalArgumentException(
                        where
                                + " made '"
                                + tensor.name()
                                + "' with shape "
                                + java.util.Arrays.toString(tensor.shape())
                                + ", but the component says the document takes "
                                + rows
                                + " rows (ModelComponent.rowsOf): batches could not be split"
                                + " between documents");
            }
        }
    }

    /** Stops the forward pass in progress: the task is being cancelled. Any thread. */
    public void cancel() {
        guard.cancel();
    }

    @Override
    public void close() throws Exception {
        try {
            cancelables.unregisterCloseable(cancelHook);
            guard.close();
        } finally {
            runner.close();
        }
    }
}
