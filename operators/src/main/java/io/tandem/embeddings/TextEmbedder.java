package io.tandem.embeddings;

import io.tandem.doc.Doc;
import io.tandem.hf.EncoderComponent;
import io.tandem.hf.HfExport;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.hf.TransformerEncoder;
import io.tandem.inference.ComponentOption;
import io.tandem.inference.ModelLocation;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.List;
import java.util.Objects;

/**
 * One vector per document from a Hugging Face encoder export ({@code last_hidden_state}, as
 * sentence-transformers models export it), stored under {@link Doc#vectors()} by the component's
 * name. Tokenizer, windows and inputs are {@link TransformerEncoder}'s.
 *
 * <p>Each window is pooled ({@code mean} over its tokens, specials included, as
 * sentence-transformers does; or its first token, {@code cls}); a document of several windows gets
 * the average of its window vectors weighted by their tokens; then, if {@code normalize}, unit
 * length.
 */
public final class TextEmbedder extends EncoderComponent {
    private static final long serialVersionUID = 1L;

    public static final String TYPE = "embeddings";
    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    public static final int DEFAULT_MAX_LENGTH = 256;
    public static final int DEFAULT_STRIDE = 0;

    /** How a window's token vectors become one. */
    public enum Pooling {
        MEAN,
        CLS;

        public static Pooling parse(String name) {
            return ComponentOption.parse(Pooling.class, "pooling", name);
        }
    }

    private final String name;
    private final Pooling pooling;
    private final boolean normalize;

    private TextEmbedder(Builder builder) {
        super(
                TransformerEncoder.open(
                        Objects.requireNonNull(builder.name, "name"),
                        HfExport.resolve(Objects.requireNonNull(builder.model, "model")),
                        builder.maxLength,
                        builder.stride));
        this.name = builder.name;
        encoder.requireOutput(LAST_HIDDEN_STATE);
        this.pooling = builder.pooling;
        this.normalize = builder.normalize;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void postprocess(
            List<Doc> docs, List<TokenClassifierFeatures> features, TensorMap outputs) {
        checkOneFeaturesPerDocument(docs, features);
        Tensor hidden = outputs.get(LAST_HIDDEN_STATE);
        int rows = TransformerEncoder.rows(features);
        if (hidden.rank() != 3
                || hidden.dim(0) != rows
                || hidden.dim(1) < TransformerEncoder.longestRow(features)) {
            throw new IllegalArgumentException(
                    "Expected "
                            + LAST_HIDDEN_STATE
                            + " [rows="
                            + rows
                            + ", sequence>="
                            + TransformerEncoder.longestRow(features)
                            + ", hidden], got "
                            + hidden);
        }
        float[] values = hidden.floats();
        int sequence = (int) hidden.dim(1);
        int width = (int) hidden.dim(2);
        int row = 0;
        for (int i = 0; i < docs.size(); i++) {
            TokenClassifierFeatures f = features.get(i);
            double[] sum = new double[width];
            long weight = 0;
            for (int w = 0; w < f.windowCount(); w++, row++) {
                int tokens = f.windowLength(w);
                int base = row * sequence * width;
                if (pooling == Pooling.CLS) {
                    for (int d = 0; d < width; d++) {
                        sum[d] += (double) tokens * values[base + d];
                    }
                } else {
                    // The window's mean times its tokens is the sum of its token vectors.
                    for (int t = 0; t < tokens; t++) {
                        for (int d = 0; d < width; d++) {
                            sum[d] += values[base + t * width + d];
                        }
                    }
                }
                weight += tokens;
            }
            docs.get(i).vectors().put(name, finish(sum, weight));
        }
    }

    private float[] finish(double[] sum, long weight) {
        double norm = 0;
        for (int d = 0; d < sum.length; d++) {
            sum[d] /= weight;
            norm += sum[d] * sum[d];
        }
        norm = normalize && norm > 0 ? Math.sqrt(norm) : 1;
        float[] vector = new float[sum.length];
        for (int d = 0; d < sum.length; d++) {
            vector[d] = (float) (sum[d] / norm);
        }
        return vector;
    }

    @Override
    public String toString() {
        return "TextEmbedder["
                + name
                + ", model="
                + encoder
                + ", pooling="
                + pooling
                + ", normalize="
                + normalize
                + "]";
    }

    /** Options; {@code model} is required. */
    public static final class Builder {
        private String name = TYPE;
        private ModelLocation model;
        private Pooling pooling = Pooling.MEAN;
        private boolean normalize = true;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;

        private Builder() {}

        /** The component's name, and the key of its vector in {@code "vectors"}. */
        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder model(ModelLocation model) {
            this.model = model;
            return this;
        }

        public Builder model(String location) {
            return model(ModelLocation.parse(location));
        }

        public Builder pooling(Pooling pooling) {
            this.pooling = Objects.requireNonNull(pooling, "pooling");
            return this;
        }

        public Builder normalize(boolean normalize) {
            this.normalize = normalize;
            return this;
        }

        public Builder maxLength(int maxLength) {
            this.maxLength = maxLength;
            return this;
        }

        public Builder stride(int stride) {
            this.stride = stride;
            return this;
        }

        /**
         * Reads and checks the export.
         *
         * @throws IllegalArgumentException naming the file and what was expected
         */
        public TextEmbedder build() {
            return new TextEmbedder(this);
        }
    }
}
