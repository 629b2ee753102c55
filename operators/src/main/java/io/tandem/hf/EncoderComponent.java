package io.tandem.hf;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.tensor.TensorMap;
import java.util.List;

/**
 * A model component on a Hugging Face encoder export: the encoder tokenizes a document into
 * windows, collates, and runs the session; a subclass reads the outputs it needs in {@code
 * postprocess} (logits for the token classifier, the last hidden state for embeddings).
 */
public abstract class EncoderComponent implements ModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    protected final TransformerEncoder encoder;

    protected EncoderComponent(TransformerEncoder encoder) {
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

    /** A document takes one row per window. */
    @Override
    public int rowsOf(TokenClassifierFeatures features) {
        return features.windowCount();
    }

    @Override
    public TokenClassifierFeatures preprocess(Doc doc) {
        return encoder.preprocess(doc.text());
    }

    @Override
    public TensorMap collate(List<TokenClassifierFeatures> features) {
        return encoder.collate(features);
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        return encoder.openForward(context);
    }

    @Override
    public void close() {
        encoder.close();
    }

    /** Postprocess gets one features per document. */
    protected static void checkOneFeaturesPerDocument(
            List<Doc> docs, List<TokenClassifierFeatures> features) {
        if (docs.size() != features.size()) {
            throw new IllegalArgumentException(
                    "Got " + docs.size() + " documents for " + features.size() + " features");
        }
    }
}
