package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.inference.ModelComponent;
import io.tandem.pipeline.Pipeline;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU side after a forward pass: the model's postprocess, the components that follow the model,
 * and the output format. A failure never fails the job: a failed forward pass or postprocess turns
 * the batch's documents into dead letters, a failing later component the one document.
 */
public final class DocFinisher<F extends Serializable> implements Serializable {
    private static final long serialVersionUID = 1L;

    private final ModelComponent<F> model;
    private final Pipeline after;
    private final DeadLetters deadLetters;

    public DocFinisher(ModelComponent<F> model, Pipeline after, DeadLetters deadLetters) {
        this.model = model;
        this.after = after;
        this.deadLetters = deadLetters;
    }

    public void open() {
        if (after != null) {
            after.open();
        }
    }

    public ModelComponent<F> model() {
        return model;
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }

    /**
     * One result per document, in the order of {@code docs}.
     *
     * @param batch the batch's number at its producer, named by model-stage dead letters
     * @param device the GPU index that ran the forward pass, or -1 for the CPU
     */
    public List<Result> finish(
            List<Doc> docs,
            List<F> features,
            TensorMap outputs,
            String forwardError,
            long batch,
            int device) {
        List<Result> results = new ArrayList<>(docs.size());
        if (forwardError != null) {
            IllegalStateException error =
                    new IllegalStateException(
                            "forward pass of model '" + model.name() + "' failed: " + forwardError);
            docs.forEach(
                    doc ->
                            results.add(
                                    Result.deadLetter(
                                            deadLetters
                                                    .of(doc, Stage.FORWARD, error)
                                                    .inModel(model.name(), batch, device))));
            return results;
        }
        try {
            model.postprocess(docs, features, outputs);
        } catch (RuntimeException e) {
            docs.forEach(
                    doc ->
                            results.add(
                                    Result.deadLetter(
                                            deadLetters
                                                    .of(doc, Stage.POSTPROCESS, e)
                                                    .inModel(model.name(), batch, device))));
            return results;
        }
        for (Doc doc : docs) {
            try {
                if (after != null) {
                    after.process(doc);
                }
                results.add(Result.output(doc));
            } catch (RuntimeException e) {
                results.add(Result.deadLetter(deadLetters.of(doc, Stage.COMPONENT, e)));
            }
        }
        return results;
    }
}
