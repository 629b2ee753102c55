package io.tandem.hf;

import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import java.io.Serializable;

/**
 * A model component on a Hugging Face encoder export, whatever features it makes: the encoder owns
 * the tokenizer and opens the session; a subclass tokenizes, collates and reads the outputs.
 */
public abstract class EncoderModel<F extends Serializable> implements ModelComponent<F> {
    private static final long serialVersionUID = 1L;

    protected final TransformerEncoder encoder;

    protected EncoderModel(TransformerEncoder encoder) {
        this.encoder = encoder;
    }

    public TransformerEncoder encoder() {
        return encoder;
    }

    /** Loads the tokenizer in the operator's open(), so a bad file fails at start. */
    @Override
    public void open() {
        encoder.open();
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        return encoder.openForward(context);
    }

    @Override
    public void close() {
        encoder.close();
    }
}
