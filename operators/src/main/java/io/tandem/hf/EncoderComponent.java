package io.tandem.hf;

import io.tandem.doc.Doc;
import io.tandem.tensor.TensorMap;
import java.util.List;

/**
 * A model component on a Hugging Face encoder export that reads a document as token windows: the
 * encoder tokenizes it into windows, collates, and runs the session; a subclass reads the outputs
 * it needs in {@code postprocess} (logits for the token classifier, the last hidden state for
 * embeddings).
 */
public abstract class EncoderComponent extends EncoderModel<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    protected EncoderComponent(TransformerEncoder encoder) {
        super(encoder);
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

    /** Postprocess gets one features per document. */
    protected static void checkOneFeaturesPerDocument(
            List<Doc> docs, List<TokenClassifierFeatures> features) {
        if (docs.size() != features.size()) {
            throw new IllegalArgumentException(
                    "Got " + docs.size() + " documents for " + features.size() + " features");
        }
    }
}
