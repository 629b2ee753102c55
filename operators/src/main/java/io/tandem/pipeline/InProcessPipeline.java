package io.tandem.pipeline;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a whole pipeline, model included, on documents in the calling thread: the per-document
 * components, then preprocess, collate, forward and postprocess of the model as one batch, then the
 * components after it. For tests, tools and benchmarks; jobs split the pipeline over operators
 * instead. Owns its forward runner: close it.
 */
public final class InProcessPipeline implements AutoCloseable {
    private final Pipeline.Split split;
    private final ForwardRunner runner;

    public InProcessPipeline(Pipeline pipeline, ForwardContext context) throws Exception {
        this.split = pipeline.split();
        split.before().open();
        split.after().open();
        this.runner = split.model() == null ? null : split.model().openForward(context);
    }

    /** Annotates {@code docs} in place, as one batch. */
    public void process(List<Doc> docs) throws Exception {
        docs.forEach(split.before()::process);
        if (split.model() != null) {
            runModel(split.model(), docs);
        }
        docs.forEach(split.after()::process);
    }

    public void process(Doc doc) throws Exception {
        process(List.of(doc));
    }

    private <F extends Serializable> void runModel(ModelComponent<F> model, List<Doc> docs)
            throws Exception {
        List<F> features = new ArrayList<>(docs.size());
        docs.forEach(doc -> features.add(model.preprocess(doc)));
        model.postprocess(docs, features, runner.forward(model.collate(features)));
    }

    @Override
    public void close() throws Exception {
        if (split.model() != null) {
            split.model().close();
        }
        if (runner != null) {
            runner.close();
        }
    }
}
