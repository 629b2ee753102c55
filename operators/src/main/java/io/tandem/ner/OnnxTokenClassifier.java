package io.tandem.ner;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.hf.EncoderComponent;
import io.tandem.hf.HfExport;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.hf.TransformerEncoder;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.ModelSignature;
import io.tandem.models.TinyModel;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * A token classifier on any Hugging Face token-classification export (BERT, CamemBERT, RoBERTa,
 * XLM-R, ...): see {@link TransformerEncoder} for the tokenizer, windows and model inputs.
 *
 * <ul>
 *   <li>postprocess: {@code logits} ({@code [rows, sequence, labels]}, float32 or float16) are
 *       turned into probabilities; each piece reads them from the window where it is most central;
 *       each word takes a label by {@link Aggregation} ({@code first} by default), so entities are
 *       always whole words; consecutive words group into entities by the label scheme (BIO,
 *       BIOES/BILOU, IO or plain labels, see {@link LabelScheme}). An entity's score, the mean of
 *       its words' probabilities, goes into {@code attributes.score}.
 *   <li>Entities overlapping one already on the document (rule-based ones, or an earlier model's)
 *       are dropped; the rest join {@link Doc#entities()} with source {@value #SOURCE}, kept sorted
 *       by start.
 * </ul>
 *
 * Labels come from {@code config.json}'s {@code id2label} unless {@code labels} overrides them. The
 * default model is the committed tiny DRUG model; {@code generated:bench} runs the benchmark
 * encoder on the same tokenizer and labels.
 */
public final class OnnxTokenClassifier extends EncoderComponent {
    private static final long serialVersionUID = 1L;

    public static final String SOURCE = "ner";
    public static final String INPUT_IDS = TransformerEncoder.INPUT_IDS;
    public static final String ATTENTION_MASK = TransformerEncoder.ATTENTION_MASK;
    public static final String LOGITS = "logits";
    public static final String SCORE_ATTRIBUTE = "score";
    public static final int DEFAULT_MAX_LENGTH = 128;
    public static final int DEFAULT_STRIDE = 32;

    private final String name;
    private final List<String> labels;
    private final Aggregation aggregation;
    private final LabelScheme[] tags;

    private OnnxTokenClassifier(Builder builder) {
        super(
                TransformerEncoder.open(
                        Objects.requireNonNull(builder.name, "name"),
                        HfExport.resolve(builder.model),
                        builder.maxLength,
                        builder.stride));
        this.name = builder.name;
        this.aggregation = builder.aggregation;
        ModelSignature.Port logits = encoder.requireOutput(LOGITS);
        List<String> configured = encoder.config().labels();
        if (builder.labels != null) {
            this.labels = List.copyOf(builder.labels);
        } else if (!configured.isEmpty()) {
            this.labels = configured;
        } else {
            throw new IllegalArgumentException(
                    "Model config "
                            + encoder.export().config()
                            + " has no id2label; give the labels in 'labels'");
        }
        if (logits.lastDim() > 0 && logits.lastDim() != labels.size()) {
            throw new IllegalArgumentException(
                    "Model "
                            + encoder.export().model()
                            + " returns "
                            + LOGITS
                            + " of width "
                            + logits.lastDim()
                            + " but "
                            + (builder.labels != null
                                    ? "'labels' has "
                                    : encoder.export().config() + " id2label has ")
                            + labels.size()
                            + " labels "
                            + labels);
        }
        this.tags = new LabelScheme[labels.size()];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = LabelScheme.parse(labels.get(i));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The tiny DRUG model with its tokenizer and default windows. */
    public static OnnxTokenClassifier tiny() {
        return builder().build();
    }

    @Override
    public String name() {
        return name;
    }

    public ModelLocation model() {
        return encoder.export().model();
    }

    public List<String> labels() {
        return labels;
    }

    /** The labels of the entities it makes: its labels' types, without the scheme's prefixes. */
    public java.util.Set<String> entityLabels() {
        java.util.Set<String> types = new java.util.LinkedHashSet<>();
        for (LabelScheme tag : tags) {
            if (tag.type() != null) {
                types.add(tag.type());
            }
        }
        return types;
    }

    public Aggregation aggregation() {
        return aggregation;
    }

    public int maxLength() {
        return encoder.maxLength();
    }

    public int stride() {
        return encoder.stride();
    }

    @Override
    public void postprocess(
            List<Doc> docs, List<TokenClassifierFeatures> features, TensorMap outputs) {
        checkOneFeaturesPerDocument(docs, features);
        Tensor logits = outputs.get(LOGITS);
        int rows = TransformerEncoder.rows(features);
        int longest = TransformerEncoder.longestRow(features);
        if (logits.rank() != 3
                || logits.dim(0) != rows
                || logits.dim(1) < longest
                || logits.dim(2) != labels.size()) {
            throw new IllegalArgumentException(
                    "Expected "
                            + LOGITS
                            + " [rows="
                            + rows
                            + ", sequence>="
                            + longest
                            + ", labels="
                            + labels.size()
                            + "], got "
                            + logits);
        }
        float[] scores = logits.floats();
        int sequence = (int) logits.dim(1);
        int rowBase = 0;
        for (int i = 0; i < docs.size(); i++) {
            TokenClassifierFeatures f = features.get(i);
            int[] window = TransformerEncoder.mostCentralWindows(f);
            int prefix = encoder.tokenizer().specials().prefix().length;
            float[][] probabilities = new float[f.pieceCount()][];
            for (int p = 0; p < probabilities.length; p++) {
                int w = window[p];
                int position = prefix + p - f.windowStart(w);
                probabilities[p] =
                        softmax(scores, ((rowBase + w) * sequence + position) * labels.size());
            }
            merge(docs.get(i), decode(tags, aggregation, docs.get(i).text(), f, probabilities));
            rowBase += f.windowCount();
        }
    }

    private float[] softmax(float[] logits, int offset) {
        float max = Float.NEGATIVE_INFINITY;
        for (int l = 0; l < labels.size(); l++) {
            max = Math.max(max, logits[offset + l]);
        }
        float[] p = new float[labels.size()];
        double sum = 0;
        for (int l = 0; l < p.length; l++) {
            p[l] = (float) Math.exp(logits[offset + l] - max);
            sum += p[l];
        }
        for (int l = 0; l < p.length; l++) {
            p[l] /= (float) sum;
        }
        return p;
    }

    private static int argmax(float[] values) {
        int best = 0;
        for (int l = 1; l < values.length; l++) {
            if (values[l] > values[best]) {
                best = l;
            }
        }
        return best;
    }

    /** A word: pieces {@code [first, last]}, its label and that label's probability. */
    private record Word(int first, int last, int label, float score) {}

    /** Words of a document, each labelled by the aggregation. */
    private static List<Word> words(
            Aggregation aggregation, TokenClassifierFeatures f, float[][] probabilities) {
        List<Word> words = new ArrayList<>();
        int p = 0;
        while (p < f.pieceCount()) {
            int last = p;
            while (last + 1 < f.pieceCount() && f.pieceWord(last + 1) == f.pieceWord(p)) {
                last++;
            }
            words.add(word(aggregation, p, last, probabilities));
            p = last + 1;
        }
        return words;
    }

    private static Word word(
            Aggregation aggregation, int first, int last, float[][] probabilities) {
        switch (aggregation) {
            case AVERAGE:
                float[] mean = new float[probabilities[first].length];
                for (int p = first; p <= last; p++) {
                    for (int l = 0; l < mean.length; l++) {
                        mean[l] += probabilities[p][l] / (last - first + 1);
                    }
                }
                int label = argmax(mean);
                return new Word(first, last, label, mean[label]);
            case MAX:
                int best = first;
                for (int p = first + 1; p <= last; p++) {
                    if (probabilities[p][argmax(probabilities[p])]
                            > probabilities[best][argmax(probabilities[best])]) {
                        best = p;
                    }
                }
                int bestLabel = argmax(probabilities[best]);
                return new Word(first, last, bestLabel, probabilities[best][bestLabel]);
            case FIRST:
            default:
                int firstLabel = argmax(probabilities[first]);
                return new Word(first, last, firstLabel, probabilities[first][firstLabel]);
        }
    }

    /** Entities of one document, from its pieces' label probabilities. */
    List<Span> decode(String text, TokenClassifierFeatures f, float[][] probabilities) {
        return decode(tags, aggregation, text, f, probabilities);
    }

    /** Labels words by the aggregation and groups them into entities by the label scheme. */
    static List<Span> decode(
            List<String> labels,
            Aggregation aggregation,
            String text,
            TokenClassifierFeatures f,
            float[][] probabilities) {
        return decode(
                labels.stream().map(LabelScheme::parse).toArray(LabelScheme[]::new),
                aggregation,
                text,
                f,
                probabilities);
    }

    private static List<Span> decode(
            LabelScheme[] tags,
            Aggregation aggregation,
            String text,
            TokenClassifierFeatures f,
            float[][] probabilities) {
        List<Span> spans = new ArrayList<>();
        List<Word> open = new ArrayList<>();
        String type = null;
        for (Word word : words(aggregation, f, probabilities)) {
            LabelScheme tag = tags[word.label()];
            boolean continues =
                    type != null
                            && tag.type() != null
                            && tag.type().equals(type)
                            && (tag.position() == LabelScheme.Position.INSIDE
                                    || tag.position() == LabelScheme.Position.END);
            if (!continues && type != null) {
                spans.add(span(text, f, open, type));
                open.clear();
                type = null;
            }
            if (tag.isOutside()) {
                continue;
            }
            type = tag.type();
            open.add(word);
            if (tag.position() == LabelScheme.Position.END
                    || tag.position() == LabelScheme.Position.SINGLE) {
                spans.add(span(text, f, open, type));
                open.clear();
                type = null;
            }
        }
        if (type != null) {
            spans.add(span(text, f, open, type));
        }
        return spans;
    }

    private static Span span(
            String text, TokenClassifierFeatures f, List<Word> words, String type) {
        int start = f.pieceStart(words.get(0).first());
        int end = f.pieceEnd(words.get(words.size() - 1).last());
        // Byte-level BPE pieces may carry the space before a word.
        while (start < end && Character.isWhitespace(text.charAt(start))) {
            start++;
        }
        double score = 0;
        for (Word word : words) {
            score += word.score();
        }
        score /= words.size();
        Span span = new Span(start, end, type, SOURCE);
        // Rounded so that the output does not depend on the last bits of a batch's arithmetic.
        span.attributes().put(SCORE_ATTRIBUTE, Math.round(score * 10_000) / 10_000.0);
        return span;
    }

    private static void merge(Doc doc, List<Span> predicted) {
        List<Span> entities = doc.entities();
        List<Span> existing = List.copyOf(entities);
        for (Span span : predicted) {
            if (existing.stream().noneMatch(span::overlaps)) {
                entities.add(span);
            }
        }
        // Stable: entities with the same start keep their order.
        entities.sort(Comparator.comparingInt(Span::start));
    }

    @Override
    public String toString() {
        return "OnnxTokenClassifier["
                + name
                + ", model="
                + encoder
                + ", labels="
                + labels
                + ", aggregation="
                + aggregation
                + ", maxLength="
                + maxLength()
                + ", stride="
                + stride()
                + "]";
    }

    /** Options, defaulting to the tiny DRUG model. */
    public static final class Builder {
        private String name = "ner";
        private ModelLocation model = ModelLocation.classpath(TinyModel.RESOURCE_DIR);
        private List<String> labels;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;
        private Aggregation aggregation = Aggregation.FIRST;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        /** An export folder, its {@code .onnx} file, or {@code generated:bench}. */
        public Builder model(ModelLocation model) {
            this.model = model;
            return this;
        }

        /** Parses {@code classpath:...}, {@code file:...}, a path or {@code generated:bench}. */
        public Builder model(String location) {
            return model(ModelLocation.parse(location));
        }

        /** Overrides the labels of {@code config.json}'s {@code id2label}. */
        public Builder labels(List<String> labels) {
            this.labels = labels;
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

        public Builder aggregation(Aggregation aggregation) {
            this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
            return this;
        }

        /**
         * Reads and checks the export.
         *
         * @throws IllegalArgumentException naming the file and what was expected
         */
        public OnnxTokenClassifier build() {
            return new OnnxTokenClassifier(this);
        }
    }
}
