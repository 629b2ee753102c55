package io.tandem.pipeline;

import io.tandem.doc.Doc;
import io.tandem.inference.ModelComponent;
import io.tandem.pipeline.components.PipelineComponent;

/**
 * Marks where a deep-learning component sits in a pipeline. It does not run per document: the job
 * splits the pipeline at this step into the components before it (run on each document), the
 * batched model stage (preprocess, collate, forward, postprocess), and the components after it.
 */
public final class ModelStep implements PipelineComponent {
    private static final long serialVersionUID = 1L;

    private final ModelComponent<?> model;

    public ModelStep(ModelComponent<?> model) {
        this.model = model;
    }

    public ModelComponent<?> model() {
        return model;
    }

    @Override
    public String name() {
        return model.name();
    }

    @Override
    public void process(Doc doc) {
        throw new IllegalStateException(
                "Model component '"
                        + model.name()
                        + "' runs in the batched model stage, not per document: use Pipeline.split()");
    }
}
