package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.doc.DocState;
import io.tandem.inference.Bisection;
import io.tandem.inference.IsolatingForward;
import io.tandem.inference.ModelComponent;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch.DocFailure;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;

/**
 * The CPU side of a model component after its forward pass: postprocess, the components that follow
 * the model, and the dead letters of every model stage, with what the operators of the model stage
 * share (the fault-tolerance settings). A failure never fails the job by itself: a document whose
 * forward pass or postprocess failed alone becomes a dead letter, the others of its batch go on; a
 * failing later component costs its one document. Only the {@link CircuitBreaker} fails the job.
 */
public final class DocFinisher<F extends Serializable> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ModelComponent<F> model;
    private final Pipeline after;
    private final DeadLetters deadLetters;
    private final FaultTolerance faultTolerance;

    private transient Counter bisectionAttempts;

    public DocFinisher(ModelComponent<F> model, Pipeline after, DeadLetters deadLetters) {
        this(model, after, deadLetters, FaultTolerance.DEFAULTS);
    }

    public DocFinisher(
            ModelComponent<F> model,
            Pipeline after,
            DeadLetters deadLetters,
            FaultTolerance faultTolerance) {
        this.model = model;
        this.after = after;
        this.deadLetters = deadLetters;
        this.faultTolerance = faultTolerance;
    }

    /** Loads what postprocessing needs: a bad file fails the job here, at start-up. */
    public void open(MetricGroup metrics) throws Exception {
        model.open();
        if (after != null) {
            after.open();
        }
        bisectionAttempts =
                metrics == null
                        ? new SimpleCounter()
                        : metrics.counter("tandemPostprocessBisectionAttempts");
    }

    /** Releases what {@link #open} loaded: the model's native tokenizer. */
    public void close() {
        model.close();
    }

    public ModelComponent<F> model() {
        return model;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    public FaultTolerance faultTolerance() {
        return faultTolerance;
    }

    /**
     * One result per document of a batch, in the order of {@code docs}.
     *
     * @param outputs the rows of the documents that did not fail, in batch order
     * @param failures the documents whose forward pass failed, by index in {@code docs}
     * @param batch the batch's number at its producer, named by model-stage dead letters
     * @param device the GPU index that ran the forward pass, or -1 for the CPU
     */
    public List<Result> finish(
            List<Doc> docs,
            List<F> features,
            TensorMap outputs,
            List<DocFailure> failures,
            long batch,
            int device) {
        Result[] results = new Result[docs.size()];
        for (DocFailure failure : failures) {
            if (failure.doc() == DocFailure.EVERY_DOCUMENT) {
                for (int i = 0; i < docs.size(); i++) {
                    results[i] = deadLetter(docs.get(i), Stage.FORWARD, failure, batch, device);
                }
                return List.of(results);
            }
            results[failure.doc()] =
                    deadLetter(docs.get(failure.doc()), Stage.FORWARD, failure, batch, device);
        }
        List<Integer> survivors = new ArrayList<>(docs.size());
        for (int i = 0; i < docs.size(); i++) {
            if (results[i] == null) {
                survivors.add(i);
            }
        }
        postprocess(docs, features, outputs, survivors, results, batch, device);
        for (int i : survivors) {
            if (results[i] != null) {
                continue; // its postprocess failed
            }
            Doc doc = docs.get(i);
            try {
                if (after != null) {
                    after.process(doc);
                }
                results[i] = Result.output(doc);
            } catch (RuntimeException e) {
                results[i] = Result.deadLetter(deadLetters.of(doc, Stage.COMPONENT, e));
            }
        }
        return List.of(results);
    }

    /**
     * Postprocesses the surviving documents; a failing range is split until the failing documents
     * stand alone. Each document's state is captured once before the first attempt and put back
     * after every failed attempt, so a retry finds it as a healthy run would.
     */
    private void postprocess(
            List<Doc> docs,
            List<F> features,
            TensorMap outputs,
            List<Integer> survivors,
            Result[] results,
            long batch,
            int device) {
        if (survivors.isEmpty()) {
            return;
        }
        List<Doc> liveDocs = new ArrayList<>(survivors.size());
        List<F> liveFeatures = new ArrayList<>(survivors.size());
        List<DocState> before = new ArrayList<>(survivors.size());
        int[] rowStart = new int[survivors.size() + 1];
        for (int k = 0; k < survivors.size(); k++) {
            int i = survivors.get(k);
            liveDocs.add(docs.get(i));
            liveFeatures.add(features.get(i));
            before.add(DocState.capture(docs.get(i)));
            rowStart[k + 1] = rowStart[k] + model.rowsOf(features.get(i));
        }
        Bisection.Outcome<Boolean> outcome;
        try {
            outcome =
                    Bisection.isolate(
                            survivors.size(),
                            (from, to) -> {
                                postprocessRange(
                                        liveDocs,
                                        liveFeatures,
                                        before,
                                        outputs,
                                        rowStart,
                                        from,
                                        to);
                                return Boolean.TRUE;
                            },
                            error -> false);
        } catch (Exception e) {
            throw new IllegalStateException("unreachable: no failure propagates", e);
        }
        bisectionAttempts.inc(outcome.extraAttempts());
        for (DocFailure failure : IsolatingForward.docFailures(outcome.failures())) {
            int i = survivors.get(failure.doc());
            results[i] = deadLetter(docs.get(i), Stage.POSTPROCESS, failure, batch, device);
        }
    }

    private void postprocessRange(
            List<Doc> docs,
            List<F> features,
            List<DocState> before,
            TensorMap outputs,
            int[] rowStart,
            int from,
            int to) {
        try {
            model.postprocess(
                    docs.subList(from, to),
                    features.subList(from, to),
                    from == 0 && to == docs.size()
                            ? outputs
                            : outputs.rows(rowStart[from], rowStart[to]));
        } catch (Throwable e) {
            // A retry must find its documents as they were, not with what the failed attempt wrote.
            before.subList(from, to).forEach(DocState::restore);
            throw e;
        }
    }

    /** A document's dead letter from a model stage, naming the model, batch and device. */
    public Result deadLetter(Doc doc, Stage stage, DocFailure failure, long batch, int device) {
        return Result.deadLetter(
                deadLetters
                        .of(doc, stage, failure.errorClass(), failure.message())
                        .inModel(model.name(), batch, device));
    }
}
