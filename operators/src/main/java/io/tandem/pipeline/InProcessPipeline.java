package io.tandem.pipeline;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a whole pipeline, models included, on documents in the calling thread: the per-document
 * components before the first model, then each stage in order (preprocess, collate, forward and
 * postprocess of its model as one batch, then the components up to the next model). For tests,
 * tools and benchmarks; jobs split the pipeline over operators instead. Owns its forward runners:
 * close it.
 */
public final class InProcessPipeline implements AutoCloseable {
    private final Pipeline.Stages stages;
    private final List<ForwardRunner> runners = new ArrayList<>();

    public InProcessPipeline(Pipeline pipeline, ForwardContext context) throws Exception {
        this.stages = pipeline.stages();
        stages.before().open();
        for (Pipeline.ModelStage stage : stages.stages()) {
            stage.after().open();
            runners.add(stage.model().openForward(context));
        }
    }

    /** Annotates {@code docs} in place, as one batch per stage. */
    public void process(List<Doc> docs) throws Exception {
        docs.forEach(stages.before()::process);
        for (int i = 0; i < stages.stages().size(); i++) {
            Pipeline.ModelStage stage = stages.stages().get(i);
            runModel(stage.model(), runners.get(i), docs);
            docs.forEach(stage.after()::process);
        }
    }

    public void process(Doc doc) throws Exception {
        process(List.of(doc));
    }

    private static <F extends Serializable> void runModel(
            ModelComponent<F> model, ForwardRunner runner, List<Doc> docs) throws Exception {
        List<F> features = new ArrayList<>(docs.size());
        docs.forEach(doc -> features.add(model.preprocess(doc)));
        model.postprocess(docs, features, runner.forward(model.collate(features)));
    }

    @Override
    public void close() throws Exception {
        for (Pipeline.ModelStage stage : stages.stages()) {
            stage.model().close();
        }
        for (ForwardRunner runner : runners) {
            runner.close();
        }
    }
}
