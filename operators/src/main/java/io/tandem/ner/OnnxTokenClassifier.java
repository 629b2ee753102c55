package io.tandem.ner;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.models.TinyModel;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A WordPiece token classifier (BIO tags) on an ONNX model taking {@code input_ids} and {@code
 * attention_mask} ({@code int64 [rows, sequence]}) and returning {@code logits} ({@code float
 * [rows, sequence, labels]}).
 *
 * <ul>
 *   <li>preprocess: word pieces with offsets in the original text, cut into windows of at most
 *       {@code maxLength} tokens ({@code [CLS]} and {@code [SEP]} included) overlapping by {@code
 *       stride} pieces, so long documents fit the model;
 *   <li>collate: one row per window, padded with {@code [PAD]}/0 to the longest row of the batch;
 *   <li>forward: an {@link OnnxSession};
 *   <li>postprocess: each piece takes its logits from the window where it is most central, then
 *       argmax and BIO decoding (an {@code I-} without {@code B-} starts a span; spans end at
 *       {@code O} or a type change); a span runs from its first piece's start to its last piece's
 *       end. Spans overlapping an entity already on the document (rule-based ones) are dropped; the
 *       rest join {@link Doc#entities()} with source {@value #SOURCE}, kept sorted by start.
 * </ul>
 *
 * The default model is the committed tiny DRUG model; {@code generated:bench} runs the benchmark
 * encoder on the same vocabulary and labels.
 */
public final class OnnxTokenClassifier implements ModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    public static final String SOURCE = "ner";
    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String LOGITS = "logits";
    public static final int DEFAULT_MAX_LENGTH = 128;
    public static final int DEFAULT_STRIDE = 32;

    /** Model metadata key listing the labels, comma-separated, checked against {@link #labels}. */
    public static final String LABELS_METADATA = "labels";

    public static final String VOCAB_SIZE_METADATA = "vocab_size";

    private final String name;
    private final ModelLocation model;
    private final ModelLocation vocab;
    private final List<String> labels;
    private final int maxLength;
    private final int stride;

    /** Parsed labels: index -> BIO tag. */
    private final BioTag[] tags;

    /** Loaded on first use in each subtask: components ship without their resources. */
    private transient WordPieceTokenizer tokenizer;

    private OnnxTokenClassifier(Builder builder) {
        this.name = Objects.requireNonNull(builder.name, "name");
        this.model = Objects.requireNonNull(builder.model, "model");
        this.vocab = Objects.requireNonNull(builder.vocab, "vocab");
        this.labels = List.copyOf(builder.labels);
        this.maxLength = builder.maxLength;
        this.stride = builder.stride;
        if (maxLength < 3) {
            throw new IllegalArgumentException(
                    "maxLength must be >= 3 ([CLS], one piece, [SEP]), got " + maxLength);
        }
        if (stride < 0 || stride >= maxLength - 2) {
            throw new IllegalArgumentException(
                    "stride must be in [0, maxLength - 2 = "
                            + (maxLength - 2)
                            + "), got "
                            + stride
                            + " (it is the overlap between consecutive windows)");
        }
        this.tags = new BioTag[labels.size()];
        for (int i = 0; i < tags.length; i++) {
            tags[i] = BioTag.parse(labels.get(i));
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The tiny DRUG model with its vocabulary and default windows. */
    public static OnnxTokenClassifier tiny() {
        return builder().build();
    }

    @Override
    public String name() {
        return name;
    }

    public ModelLocation model() {
        return model;
    }

    public ModelLocation vocab() {
        return vocab;
    }

    public List<String> labels() {
        return labels;
    }

    public int maxLength() {
        return maxLength;
    }

    public int stride() {
        return stride;
    }

    @Override
    public void open() {
        tokenizer();
    }

    @Override
    public int rowsOf(TokenClassifierFeatures features) {
        return features.windowCount();
    }

    public WordPieceTokenizer tokenizer() {
        if (tokenizer == null) {
            tokenizer = new WordPieceTokenizer(WordPieceVocab.load(vocab));
        }
        return tokenizer;
    }

    @Override
    public TokenClassifierFeatures preprocess(Doc doc) {
        WordPieceTokenizer.Encoding pieces = tokenizer().encode(doc.text());
        int[][] windows = windows(pieces.size(), maxLength - 2, stride);
        return new TokenClassifierFeatures(
                pieces.ids(), pieces.starts(), pieces.ends(), windows[0], windows[1]);
    }

    /**
     * Windows of at most {@code maxPieces} pieces, each starting {@code maxPieces - stride} after
     * the previous one, until one reaches the end: {@code {starts, ends}}. No pieces still give one
     * (empty) window, so every document has a row.
     */
    static int[][] windows(int pieces, int maxPieces, int stride) {
        int step = maxPieces - stride;
        int count = pieces <= maxPieces ? 1 : 1 + ceilDiv(pieces - maxPieces, step);
        int[] starts = new int[count];
        int[] ends = new int[count];
        for (int w = 0; w < count; w++) {
            starts[w] = w * step;
            ends[w] = Math.min(starts[w] + maxPieces, pieces);
        }
        return new int[][] {starts, ends};
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * For each piece, the window where it is most central: the largest distance to the nearer
     * window edge, the earlier window on ties.
     */
    static int[] mostCentralWindows(TokenClassifierFeatures features) {
        int[] best = new int[features.pieceCount()];
        int[] bestScore = new int[features.pieceCount()];
        Arrays.fill(bestScore, -1);
        for (int w = 0; w < features.windowCount(); w++) {
            int start = features.windowStart(w);
            int end = features.windowEnd(w);
            for (int p = start; p < end; p++) {
                int score = Math.min(p - start, end - 1 - p);
                if (score > bestScore[p]) {
                    bestScore[p] = score;
                    best[p] = w;
                }
            }
        }
        return best;
    }

    @Override
    public TensorMap collate(List<TokenClassifierFeatures> features) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("Cannot collate an empty batch");
        }
        WordPieceVocab vocabulary = tokenizer().vocab();
        int rows = 0;
        int sequence = 0;
        for (TokenClassifierFeatures f : features) {
            rows += f.windowCount();
            sequence = Math.max(sequence, f.maxWindowLength());
        }
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        if (vocabulary.padId() != 0) {
            Arrays.fill(ids, vocabulary.padId());
        }
        int row = 0;
        for (TokenClassifierFeatures f : features) {
            for (int w = 0; w < f.windowCount(); w++, row++) {
                int at = row * sequence;
                ids[at] = vocabulary.clsId();
                mask[at] = 1;
                at++;
                for (int p = f.windowStart(w); p < f.windowEnd(w); p++, at++) {
                    ids[at] = f.pieceId(p);
                    mask[at] = 1;
                }
                ids[at] = vocabulary.sepId();
                mask[at] = 1;
            }
        }
        long[] shape = {rows, sequence};
        return TensorMap.of(
                Tensor.ofLongs(INPUT_IDS, shape, ids), Tensor.ofLongs(ATTENTION_MASK, shape, mask));
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        OnnxSession session = OnnxSession.open(model, context);
        try {
            checkModel(session);
            return session;
        } catch (Exception e) {
            // Checked OrtExceptions too: the session must not outlive a failed check.
            session.close();
            throw e;
        }
    }

    private void checkModel(OnnxSession session) throws Exception {
        Set<String> expectedInputs = Set.of(INPUT_IDS, ATTENTION_MASK);
        if (!session.inputNames().equals(expectedInputs)
                || !session.outputNames().contains(LOGITS)) {
            throw new IllegalArgumentException(
                    "Model "
                            + model
                            + " takes "
                            + session.inputNames()
                            + " and returns "
                            + session.outputNames()
                            + "; a token classifier needs inputs "
                            + expectedInputs
                            + " and output "
                            + LOGITS);
        }
        Map<String, String> metadata = session.customMetadata();
        String modelLabels = metadata.get(LABELS_METADATA);
        if (modelLabels != null && !List.of(modelLabels.split(",")).equals(labels)) {
            throw new IllegalArgumentException(
                    "Model "
                            + model
                            + " predicts labels ["
                            + modelLabels
                            + "], configured "
                            + labels);
        }
        String vocabSize = metadata.get(VOCAB_SIZE_METADATA);
        if (vocabSize != null && Integer.parseInt(vocabSize) != tokenizer().vocab().size()) {
            throw new IllegalArgumentException(
                    "Model "
                            + model
                            + " embeds "
                            + vocabSize
                            + " tokens but vocabulary "
                            + vocab
                            + " has "
                            + tokenizer().vocab().size());
        }
    }

    @Override
    public void postprocess(
            List<Doc> docs, List<TokenClassifierFeatures> features, TensorMap outputs) {
        if (docs.size() != features.size()) {
            throw new IllegalArgumentException(
                    "Got " + docs.size() + " documents for " + features.size() + " features");
        }
        Tensor logits = outputs.get(LOGITS);
        int rows = 0;
        int longest = 0;
        for (TokenClassifierFeatures f : features) {
            rows += f.windowCount();
            longest = Math.max(longest, f.maxWindowLength());
        }
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
            int[] window = mostCentralWindows(f);
            int[] predicted = new int[f.pieceCount()];
            for (int p = 0; p < predicted.length; p++) {
                int w = window[p];
                int position = 1 + p - f.windowStart(w);
                predicted[p] =
                        argmax(scores, ((rowBase + w) * sequence + position) * labels.size());
            }
            merge(docs.get(i), decode(f, predicted));
            rowBase += f.windowCount();
        }
    }

    private int argmax(float[] scores, int offset) {
        int best = 0;
        for (int l = 1; l < labels.size(); l++) {
            if (scores[offset + l] > scores[offset + best]) {
                best = l;
            }
        }
        return best;
    }

    /**
     * BIO decoding of piece labels into spans over the original text. A span must cover whole
     * words: one that starts or ends inside a word (on a {@code ##} continuation piece) is a
     * fragment, such as "rin" of "Drinks" labelled like the end of "aspirin", and is dropped.
     */
    List<Span> decode(TokenClassifierFeatures f, int[] predicted) {
        List<Span> spans = new ArrayList<>();
        String type = null;
        int first = -1;
        int last = -1;
        for (int p = 0; p < predicted.length; p++) {
            BioTag tag = tags[predicted[p]];
            boolean continues = tag.inside() && tag.type().equals(type);
            if (type != null && !continues) {
                addWholeWords(spans, f, first, last, type);
                type = null;
            }
            if (tag.isOutside()) {
                continue;
            }
            if (!continues) {
                type = tag.type();
                first = p;
            }
            last = p;
        }
        if (type != null) {
            addWholeWords(spans, f, first, last, type);
        }
        return spans;
    }

    private void addWholeWords(
            List<Span> spans, TokenClassifierFeatures f, int first, int last, String type) {
        boolean startsInsideWord = isContinuation(f, first);
        boolean endsInsideWord = last + 1 < f.pieceCount() && isContinuation(f, last + 1);
        if (!startsInsideWord && !endsInsideWord) {
            spans.add(new Span(f.pieceStart(first), f.pieceEnd(last), type, SOURCE));
        }
    }

    private boolean isContinuation(TokenClassifierFeatures f, int piece) {
        return tokenizer().vocab().token(f.pieceId(piece)).startsWith(WordPieceVocab.CONTINUATION);
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

    /** One label: {@code O}, {@code B-TYPE} or {@code I-TYPE}. */
    record BioTag(boolean inside, String type) implements java.io.Serializable {
        static BioTag parse(String label) {
            if (label.equals("O")) {
                return new BioTag(false, null);
            }
            if ((label.startsWith("B-") || label.startsWith("I-")) && label.length() > 2) {
                return new BioTag(label.startsWith("I-"), label.substring(2));
            }
            throw new IllegalArgumentException(
                    "Label '" + label + "' is not a BIO label: expected O, B-<type> or I-<type>");
        }

        boolean isOutside() {
            return type == null;
        }
    }

    @Override
    public String toString() {
        return "OnnxTokenClassifier["
                + name
                + ", model="
                + model
                + ", vocab="
                + vocab
                + ", labels="
                + labels
                + ", maxLength="
                + maxLength
                + ", stride="
                + stride
                + "]";
    }

    /** Options, defaulting to the tiny DRUG model. */
    public static final class Builder {
        private String name = "ner";
        private ModelLocation model = ModelLocation.classpath(TinyModel.MODEL_RESOURCE);
        private ModelLocation vocab = ModelLocation.classpath(TinyModel.VOCAB_RESOURCE);
        private List<String> labels = TinyModel.LABELS;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;

        private Builder() {}

        public Builder name(String name) {
            this.name = name;
            return this;
        }

        public Builder model(ModelLocation model) {
            this.model = model;
            return this;
        }

        /** Parses {@code classpath:...}, {@code file:...}, a path or {@code generated:bench}. */
        public Builder model(String location) {
            return model(ModelLocation.parse(location));
        }

        public Builder vocab(ModelLocation vocab) {
            this.vocab = vocab;
            return this;
        }

        public Builder vocab(String location) {
            return vocab(ModelLocation.parse(location));
        }

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

        public OnnxTokenClassifier build() {
            return new OnnxTokenClassifier(this);
        }
    }
}
