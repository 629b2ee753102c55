package io.tandem.job.bench;

import io.tandem.inference.BucketedForward;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.inference.ModelComponent;
import java.io.Serializable;

/**
 * A model whose forward passes run each batch whole, padded to its longest row, as a user's
 * function calling ONNX Runtime on a document's (or a window's) rows would: the alternatives run
 * the model so, without the length buckets Tandem's CPU runner cuts a batch into.
 */
final class WholeBatches<F extends Serializable> extends ForwardingModelComponent<F> {
    private static final long serialVersionUID = 1L;

    WholeBatches(ModelComponent<F> model) {
        super(model);
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        ForwardRunner opened = delegate.openForward(context);
        // Closing the whole runner closes what the bucketed one held: the same session.
        return opened instanceof BucketedForward bucketed ? bucketed.whole() : opened;
    }
}
