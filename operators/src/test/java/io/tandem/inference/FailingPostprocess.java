package io.tandem.inference;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.List;

/**
 * A model whose postprocess fails on every range of documents that holds the one with a given id,
 * after changing every document of the range as a careless postprocess could: the model's own
 * postprocess (the token classifier appends its entities and sorts the list), then an attribute
 * changed in place on every entity and a vector. Ranges without that document are postprocessed
 * normally.
 */
public final class FailingPostprocess<F extends Serializable> extends ForwardingModelComponent<F> {
    private static final long serialVersionUID = 1L;

    /** The attribute the failed attempts set on every entity of their documents. */
    public static final String SCRIBBLED = "scribbled";

    private final String poisonId;

    private FailingPostprocess(ModelComponent<F> model, String poisonId) {
        super(model);
        this.poisonId = poisonId;
    }

    /**
     * {@code model}, failing the postprocess of every range that holds document {@code poisonId}.
     */
    public static <F extends Serializable> FailingPostprocess<F> of(
            ModelComponent<F> model, String poisonId) {
        return new FailingPostprocess<>(model, poisonId);
    }

    /** The message of the injected failure. */
    public static String failure(String poisonId) {
        return "injected postprocessing failure of " + poisonId;
    }

    @Override
    public void postprocess(List<Doc> docs, List<F> features, TensorMap outputs) {
        delegate.postprocess(docs, features, outputs);
        if (docs.stream().noneMatch(doc -> doc.id().equals(poisonId))) {
            return;
        }
        for (Doc doc : docs) {
            for (Span entity : doc.entities()) {
                entity.attributes().put(SCRIBBLED, true);
            }
            doc.vectors().put(SCRIBBLED, new float[] {1f});
        }
        throw new IllegalStateException(failure(poisonId));
    }
}
