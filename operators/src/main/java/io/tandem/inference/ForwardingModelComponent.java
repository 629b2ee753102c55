package io.tandem.inference;

import io.tandem.doc.Doc;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.List;

/**
 * A model component that hands every call to another one: subclasses override what they change
 * (typically {@link #openForward}, to slow down, replace or measure the forward pass) and keep the
 * delegate's preprocessing, collation and postprocessing.
 */
public abstract class ForwardingModelComponent<F extends Serializable>
        implements ModelComponent<F> {
    private static final long serialVersionUID = 1L;

    protected final ModelComponent<F> delegate;

    protected ForwardingModelComponent(ModelComponent<F> delegate) {
        this.delegate = delegate;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public void open() throws Exception {
        delegate.open();
    }

    @Override
    public int rowsOf(F features) {
        return delegate.rowsOf(features);
    }

    @Override
    public F preprocess(Doc doc) {
        return delegate.preprocess(doc);
    }

    @Override
    public TensorMap collate(List<F> features) {
        return delegate.collate(features);
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        return delegate.openForward(context);
    }

    @Override
    public void postprocess(List<Doc> docs, List<F> features, TensorMap outputs) {
        delegate.postprocess(docs, features, outputs);
    }

    @Override
    public BatchStats batchStats(TensorMap batch) {
        return delegate.batchStats(batch);
    }
}
