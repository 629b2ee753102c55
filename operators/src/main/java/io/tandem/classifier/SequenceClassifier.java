package io.tandem.classifier;

import ai.onnxruntime.OnnxJavaType;
import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.Span;
import io.tandem.hf.HfExport;
import io.tandem.hf.HfTokenizer;
import io.tandem.hf.TransformerEncoder;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.ModelSignature;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;

/**
 * A sequence classifier on any Hugging Face sequence-classification export ({@code optimum-cli
 * export onnx --task text-classification}): {@code logits [batch, labels]}, labels from {@code
 * config.json}'s {@code id2label}, softmax for a single-label head and sigmoid (with a threshold)
 * when {@code problem_type} is {@code multi_label_classification}. Tokenizer and model inputs are
 * {@link TransformerEncoder}'s. It runs on one of three {@link Target}s:
 *
 * <ul>
 *   <li>{@code doc}: the document's windows ({@code max_length}, {@code stride}), whose
 *       probabilities are aggregated by {@code mean} or {@code max};
 *   <li>{@code sentences}: each sentence, in windows aggregated the same way;
 *   <li>{@code entities}: each entity (of the {@code labels} filter, if any) in its context ({@code
 *       context} characters each side, cut at its sentence's ends when {@code within: sentence}),
 *       marked by two marker strings inserted around it, or given as a text pair (the entity, then
 *       its context: type ids 1 for the second segment). An input longer than {@code max_length}
 *       keeps the pieces around the entity.
 * </ul>
 *
 * Each target gets {@code attributes.<name>} and {@code attributes.<name>_score}: the winning label
 * and its probability; for a binary head ({@code false}/{@code true}, {@code 0}/{@code 1}, {@code
 * no}/{@code yes}, {@code negative}/{@code positive}, {@code LABEL_0}/{@code LABEL_1}, or a
 * multi-label head of one label) {@code true} or {@code false} and the probability of that answer;
 * for a multi-label head of several labels, the labels at or above the threshold joined by {@code
 * ","} (empty when none) and the highest label probability. So {@code name: negated} writes the
 * attribute the rule-based negation writes.
 */
public final class SequenceClassifier implements ModelComponent<ClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    public static final String TYPE = "classifier";
    public static final String LOGITS = "logits";
    public static final String SCORE_SUFFIX = "_score";
    public static final int DEFAULT_MAX_LENGTH = 128;
    public static final int DEFAULT_STRIDE = 0;
    public static final int DEFAULT_CONTEXT = 100;
    public static final double DEFAULT_THRESHOLD = 0.5;
    static final String MULTI_LABEL = "multi_label_classification";

    private static final List<String> FALSE_LABELS =
            List.of("false", "0", "no", "negative", "label_0");
    private static final List<String> TRUE_LABELS =
            List.of("true", "1", "yes", "positive", "label_1");

    /** What the classifier reads and writes on. */
    public enum Target {
        DOC,
        SENTENCES,
        ENTITIES;

        public static Target parse(String name) {
            for (Target t : values()) {
                if (t.key().equals(name)) {
                    return t;
                }
            }
            throw new IllegalArgumentException(
                    "Unknown target '" + name + "'; expected doc, sentences or entities");
        }

        public String key() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** How the probabilities of a target's windows become one. */
    public enum Aggregation {
        MEAN,
        MAX;

        public static Aggregation parse(String name) {
            for (Aggregation a : values()) {
                if (a.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return a;
                }
            }
            throw new IllegalArgumentException(
                    "Unknown aggregation '" + name + "'; expected mean or max");
        }
    }

    /** One model input, and whether the graph declares it int32 rather than int64. */
    private record Input(String name, boolean int32) implements Serializable {}

    private final String name;
    private final TransformerEncoder encoder;
    private final Target target;
    private final List<String> labels;
    private final boolean multiLabel;
    private final double threshold;
    private final Aggregation aggregation;
    private final Set<String> entityLabels;
    private final int context;
    private final boolean withinSentence;
    private final List<String> markers;
    private final int[] markerIds;
    private final int trueLabel;
    private final List<Input> inputs;

    private SequenceClassifier(Builder builder) {
        this.name = Objects.requireNonNull(builder.name, "name");
        this.encoder =
                TransformerEncoder.open(
                        name,
                        HfExport.resolve(Objects.requireNonNull(builder.model, "model")),
                        builder.maxLength,
                        builder.stride);
        this.target = builder.target;
        this.aggregation = builder.aggregation;
        this.threshold = builder.threshold;
        this.entityLabels = Set.copyOf(builder.entityLabels);
        this.context = builder.context;
        this.withinSentence = builder.withinSentence;
        this.labels = encoder.config().labels();
        this.multiLabel = MULTI_LABEL.equals(encoder.config().problemType());
        ModelSignature.Port logits = encoder.requireOutput(LOGITS);
        if (logits.shape().length != 2) {
            throw new IllegalArgumentException(
                    "Model "
                            + encoder.export().model()
                            + " returns "
                            + logits
                            + " but component '"
                            + name
                            + "' (type classifier) expects "
                            + LOGITS
                            + " [batch, labels]: is it a sequence-classification export"
                            + " (--task text-classification)?");
        }
        if (labels.isEmpty()) {
            throw new IllegalArgumentException(
                    "Model config "
                            + encoder.export().config()
                            + " has no id2label: component '"
                            + name
                            + "' (type classifier) needs the labels of its head");
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
                            + encoder.export().config()
                            + " id2label has "
                            + labels.size()
                            + " labels "
                            + labels);
        }
        if (target != Target.ENTITIES
                && (builder.markers != null || builder.textPair || !entityLabels.isEmpty())) {
            throw new IllegalArgumentException(
                    "'markers', 'text_pair' and 'labels' are for on: entities; component '"
                            + name
                            + "' runs on: "
                            + target.key());
        }
        if (target == Target.ENTITIES && (builder.markers == null) == !builder.textPair) {
            throw new IllegalArgumentException(
                    "Component '"
                            + name
                            + "' on: entities: expected how to mark the entity, either 'markers'"
                            + " (two strings of the vocabulary, for example [\"[E]\", \"[/E]\"]) or"
                            + " 'text_pair: true'");
        }
        this.markers = builder.markers == null ? null : List.copyOf(builder.markers);
        this.markerIds = markers == null ? null : markerIds(markers);
        this.trueLabel = trueLabel();
        List<Input> inputs = new ArrayList<>();
        for (String input : encoder.inputNames()) {
            inputs.add(
                    new Input(
                            input,
                            encoder.signature().inputs().get(input).type() == OnnxJavaType.INT32));
        }
        this.inputs = List.copyOf(inputs);
    }

    /** Each marker must be one token of the vocabulary, itself, or the model never saw it. */
    private int[] markerIds(List<String> markers) {
        if (markers.size() != 2 || markers.get(0).equals(markers.get(1))) {
            throw new IllegalArgumentException(
                    "markers: expected two different strings (before and after the entity), got "
                            + markers);
        }
        int[] ids = new int[2];
        HfTokenizer tokenizer = encoder.tokenizer();
        try {
            for (int m = 0; m < 2; m++) {
                String marker = markers.get(m);
                String[] tokens = tokenizer.tokens(marker);
                int[] pieces = tokenizer.encode(marker).ids();
                if (tokens.length != 1 || !tokens[0].equalsIgnoreCase(marker)) {
                    throw new IllegalArgumentException(
                            "Marker '"
                                    + marker
                                    + "' of component '"
                                    + name
                                    + "' is not in the vocabulary of "
                                    + tokenizer.location()
                                    + ": it becomes "
                                    + Arrays.toString(tokens)
                                    + "; expected one token, itself (add the markers to the"
                                    + " tokenizer, as the model was trained with them)");
                }
                ids[m] = pieces[0];
            }
        } finally {
            tokenizer.close();
        }
        return ids;
    }

    /** The label that means true, for a binary head; -1 otherwise. */
    private int trueLabel() {
        if (multiLabel) {
            return labels.size() == 1 ? 0 : -1;
        }
        if (labels.size() != 2) {
            return -1;
        }
        String first = labels.get(0).toLowerCase(Locale.ROOT);
        String second = labels.get(1).toLowerCase(Locale.ROOT);
        if (FALSE_LABELS.contains(first) && TRUE_LABELS.contains(second)) {
            return 1;
        }
        if (TRUE_LABELS.contains(first) && FALSE_LABELS.contains(second)) {
            return 0;
        }
        return -1;
    }

    public static Builder builder() {
        return new Builder();
    }

    @Override
    public String name() {
        return name;
    }

    public Target target() {
        return target;
    }

    /** The labels of the head, in id order. */
    public List<String> labels() {
        return labels;
    }

    public boolean multiLabel() {
        return multiLabel;
    }

    /** Whether the head answers true or false. */
    public boolean binary() {
        return trueLabel >= 0;
    }

    /** The entity labels it classifies; empty for all. */
    public Set<String> entityLabels() {
        return entityLabels;
    }

    public TransformerEncoder encoder() {
        return encoder;
    }

    @Override
    public void open() {
        encoder.open();
    }

    @Override
    public void close() {
        encoder.close();
    }

    @Override
    public int rowsOf(ClassifierFeatures features) {
        return features.rowCount();
    }

    @Override
    public ClassifierFeatures preprocess(Doc doc) {
        Rows rows = new Rows();
        switch (target) {
            case DOC -> rows.target(windows(doc.text()), -1, 0, doc.text().length(), null);
            case SENTENCES -> {
                List<Sentence> sentences = doc.sentences();
                for (int i = 0; i < sentences.size(); i++) {
                    Sentence s = sentences.get(i);
                    rows.target(
                            windows(doc.text().substring(s.start(), s.end())),
                            i,
                            s.start(),
                            s.end(),
                            null);
                }
            }
            case ENTITIES -> {
                List<Span> entities = doc.entities();
                for (int i = 0; i < entities.size(); i++) {
                    Span e = entities.get(i);
                    if (entityLabels.isEmpty() || entityLabels.contains(e.label())) {
                        rows.target(
                                Collections.singletonList(entityRow(doc, e)),
                                i,
                                e.start(),
                                e.end(),
                                e.label());
                    }
                }
            }
        }
        return rows.build(encoder.tokenizer().specials());
    }

    /** Rows of {@code text} in windows, specials around each. */
    private List<int[][]> windows(String text) {
        HfTokenizer.SpecialTokens specials = encoder.tokenizer().specials();
        int[] pieces = encoder.tokenizer().encode(text).ids();
        int[][] windows =
                TransformerEncoder.windows(
                        pieces.length, encoder.maxLength() - specials.count(), encoder.stride());
        List<int[][]> rows = new ArrayList<>(windows[0].length);
        for (int w = 0; w < windows[0].length; w++) {
            rows.add(
                    new int[][] {
                        withSpecials(specials, pieces, windows[0][w], windows[1][w]), null
                    });
        }
        return rows;
    }

    private static int[] withSpecials(
            HfTokenizer.SpecialTokens specials, int[] pieces, int from, int to) {
        int[] row = new int[specials.count() + to - from];
        System.arraycopy(specials.prefix(), 0, row, 0, specials.prefix().length);
        System.arraycopy(pieces, from, row, specials.prefix().length, to - from);
        System.arraycopy(
                specials.suffix(),
                0,
                row,
                specials.prefix().length + to - from,
                specials.suffix().length);
        return row;
    }

    /** The characters around {@code entity} its input shows: {@code [from, to)}. */
    private int[] contextRange(Doc doc, Span entity, int chars) {
        int from = Math.max(0, entity.start() - chars);
        int to = Math.min(doc.text().length(), entity.end() + chars);
        if (withinSentence) {
            for (Sentence s : doc.sentences()) {
                if (s.start() <= entity.start() && entity.end() <= s.end()) {
                    from = Math.max(from, s.start());
                    to = Math.min(to, s.end());
                    break;
                }
            }
        }
        return new int[] {from, to};
    }

    /** One entity's row: {ids, type ids or null}. */
    private int[][] entityRow(Doc doc, Span entity) {
        String text = doc.text();
        int[] range = contextRange(doc, entity, context);
        if (markers == null) {
            // A pair too long for max_length is tried again with half the context, down to none.
            for (int chars = context; ; chars /= 2) {
                range = contextRange(doc, entity, chars);
                HfTokenizer.Pair pair =
                        encoder.tokenizer()
                                .encodePair(doc.textOf(entity), text.substring(range[0], range[1]));
                if (pair.size() <= encoder.maxLength() || chars == 0) {
                    return new int[][] {
                        head(pair.ids(), encoder.maxLength()),
                        head(pair.typeIds(), encoder.maxLength())
                    };
                }
            }
        }
        String marked =
                text.substring(range[0], entity.start())
                        + markers.get(0)
                        + doc.textOf(entity)
                        + markers.get(1)
                        + text.substring(entity.end(), range[1]);
        int[] pieces = encoder.tokenizer().encode(marked).ids();
        HfTokenizer.SpecialTokens specials = encoder.tokenizer().specials();
        int room = encoder.maxLength() - specials.count();
        int from = 0;
        int to = pieces.length;
        if (pieces.length > room) {
            // Keep the pieces around the entity: centred on the markers, from the first marker
            // when the entity alone is too long.
            int open = indexOf(pieces, markerIds[0], 0);
            int close = indexOf(pieces, markerIds[1], Math.max(open, 0));
            int centre = open < 0 || close < 0 ? pieces.length / 2 : (open + close) / 2;
            from = Math.max(0, Math.min(centre - room / 2, pieces.length - room));
            if (open >= 0 && close - open + 1 > room) {
                from = open;
            }
            to = from + room;
        }
        return new int[][] {withSpecials(specials, pieces, from, to), null};
    }

    private static int indexOf(int[] values, int value, int from) {
        for (int i = from; i < values.length; i++) {
            if (values[i] == value) {
                return i;
            }
        }
        return -1;
    }

    private static int[] head(int[] values, int length) {
        return values.length <= length ? values : Arrays.copyOf(values, length);
    }

    @Override
    public TensorMap collate(List<ClassifierFeatures> features) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("Cannot collate an empty batch");
        }
        int rows = 0;
        int sequence = 0;
        for (ClassifierFeatures f : features) {
            rows += f.rowCount();
            sequence = Math.max(sequence, f.longestRow());
        }
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        long[] types = new long[rows * sequence];
        int padId = encoder.tokenizer().specials().padId();
        if (padId != 0) {
            Arrays.fill(ids, padId);
        }
        int row = 0;
        for (ClassifierFeatures f : features) {
            for (int r = 0; r < f.rowCount(); r++, row++) {
                int[] rowIds = f.rowIds(r);
                int[] rowTypes = f.rowTypes(r);
                int at = row * sequence;
                for (int t = 0; t < rowIds.length; t++) {
                    ids[at + t] = rowIds[t];
                    mask[at + t] = 1;
                    if (rowTypes != null) {
                        types[at + t] = rowTypes[t];
                    }
                }
            }
        }
        long[] shape = {rows, sequence};
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        for (Input input : inputs) {
            long[] values =
                    switch (input.name()) {
                        case TransformerEncoder.INPUT_IDS -> ids;
                        case TransformerEncoder.ATTENTION_MASK -> mask;
                        case TransformerEncoder.TOKEN_TYPE_IDS -> types;
                        case TransformerEncoder.POSITION_IDS -> positions(rows, sequence);
                        default -> throw new IllegalStateException("Unfed input " + input);
                    };
            tensors.add(
                    input.int32()
                            ? Tensor.ofInts(input.name(), shape, toInts(values))
                            : Tensor.ofLongs(input.name(), shape, values));
        }
        return TensorMap.of(tensors);
    }

    private static long[] positions(int rows, int sequence) {
        long[] positions = new long[rows * sequence];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i % sequence;
        }
        return positions;
    }

    private static int[] toInts(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = (int) values[i];
        }
        return ints;
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        return encoder.openForward(context);
    }

    @Override
    public void postprocess(List<Doc> docs, List<ClassifierFeatures> features, TensorMap outputs) {
        if (docs.size() != features.size()) {
            throw new IllegalArgumentException(
                    "Got " + docs.size() + " documents for " + features.size() + " features");
        }
        Tensor logits = outputs.get(LOGITS);
        int rows = 0;
        for (ClassifierFeatures f : features) {
            rows += f.rowCount();
        }
        if (logits.rank() != 2 || logits.dim(0) != rows || logits.dim(1) != labels.size()) {
            throw new IllegalArgumentException(
                    "Expected "
                            + LOGITS
                            + " [rows="
                            + rows
                            + ", labels="
                            + labels.size()
                            + "], got "
                            + logits);
        }
        float[] values = logits.floats();
        int row = 0;
        for (int i = 0; i < docs.size(); i++) {
            ClassifierFeatures f = features.get(i);
            Doc doc = docs.get(i);
            for (int t = 0; t < f.targetCount(); t++) {
                double[] probabilities = new double[labels.size()];
                int count = f.targetRows(t);
                for (int r = 0; r < count; r++, row++) {
                    double[] p = probabilities(values, row * labels.size());
                    for (int l = 0; l < p.length; l++) {
                        probabilities[l] =
                                aggregation == Aggregation.MAX
                                        ? Math.max(probabilities[l], p[l])
                                        : probabilities[l] + p[l] / count;
                    }
                }
                write(attributesOf(doc, f, t), probabilities);
            }
            row += f.rowCount() - rowsOfTargets(f);
        }
    }

    private static int rowsOfTargets(ClassifierFeatures f) {
        int rows = 0;
        for (int t = 0; t < f.targetCount(); t++) {
            rows += f.targetRows(t);
        }
        return rows;
    }

    private double[] probabilities(float[] logits, int offset) {
        double[] p = new double[labels.size()];
        if (multiLabel) {
            for (int l = 0; l < p.length; l++) {
                p[l] = 1 / (1 + Math.exp(-logits[offset + l]));
            }
            return p;
        }
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < p.length; l++) {
            max = Math.max(max, logits[offset + l]);
        }
        double sum = 0;
        for (int l = 0; l < p.length; l++) {
            p[l] = Math.exp(logits[offset + l] - max);
            sum += p[l];
        }
        for (int l = 0; l < p.length; l++) {
            p[l] /= sum;
        }
        return p;
    }

    /** The attributes of target {@code t}: the document's, a sentence's or an entity's. */
    private java.util.Map<String, Object> attributesOf(Doc doc, ClassifierFeatures f, int t) {
        return switch (target) {
            case DOC -> doc.attributes();
            case SENTENCES -> {
                int index = f.targetIndex(t);
                List<Sentence> sentences = doc.sentences();
                if (index >= sentences.size()
                        || sentences.get(index).start() != f.targetStart(t)
                        || sentences.get(index).end() != f.targetEnd(t)) {
                    throw new IllegalStateException(
                            "Sentence "
                                    + index
                                    + " ["
                                    + f.targetStart(t)
                                    + ", "
                                    + f.targetEnd(t)
                                    + ") of document "
                                    + doc.id()
                                    + " changed between preprocess and postprocess");
                }
                yield sentences.get(index).attributes();
            }
            case ENTITIES -> entity(doc, f, t).attributes();
        };
    }

    private static Span entity(Doc doc, ClassifierFeatures f, int t) {
        List<Span> entities = doc.entities();
        int index = f.targetIndex(t);
        if (index < entities.size() && sameEntity(entities.get(index), f, t)) {
            return entities.get(index);
        }
        // An earlier model of the chain added entities: the same one is elsewhere now.
        for (Span span : entities) {
            if (sameEntity(span, f, t)) {
                return span;
            }
        }
        throw new IllegalStateException(
                "Entity "
                        + f.targetLabel(t)
                        + " ["
                        + f.targetStart(t)
                        + ", "
                        + f.targetEnd(t)
                        + ") of document "
                        + doc.id()
                        + " is gone between preprocess and postprocess");
    }

    private static boolean sameEntity(Span span, ClassifierFeatures f, int t) {
        return span.start() == f.targetStart(t)
                && span.end() == f.targetEnd(t)
                && span.label().equals(f.targetLabel(t));
    }

    private void write(java.util.Map<String, Object> attributes, double[] p) {
        Object value;
        double score;
        if (multiLabel) {
            if (trueLabel >= 0) {
                boolean yes = p[0] >= threshold;
                value = yes;
                score = yes ? p[0] : 1 - p[0];
            } else {
                List<String> chosen = new ArrayList<>();
                score = 0;
                for (int l = 0; l < p.length; l++) {
                    if (p[l] >= threshold) {
                        chosen.add(labels.get(l));
                    }
                    score = Math.max(score, p[l]);
                }
                value = String.join(",", chosen);
            }
        } else {
            int best = 0;
            for (int l = 1; l < p.length; l++) {
                if (p[l] > p[best]) {
                    best = l;
                }
            }
            value = trueLabel >= 0 ? (Object) (best == trueLabel) : labels.get(best);
            score = p[best];
        }
        attributes.put(name, value);
        // Rounded so that the output does not depend on the last bits of a batch's arithmetic.
        attributes.put(name + SCORE_SUFFIX, Math.round(score * 10_000) / 10_000.0);
    }

    @Override
    public String toString() {
        return "SequenceClassifier["
                + name
                + ", on="
                + target.key()
                + ", model="
                + encoder
                + ", labels="
                + labels
                + (multiLabel ? ", multi-label, threshold=" + threshold : "")
                + ", maxLength="
                + encoder.maxLength()
                + ", stride="
                + encoder.stride()
                + "]";
    }

    /** Collects a document's rows target by target. */
    private static final class Rows {
        private final List<int[]> ids = new ArrayList<>();
        private final List<int[]> types = new ArrayList<>();
        private final List<Integer> rows = new ArrayList<>();
        private final List<Integer> index = new ArrayList<>();
        private final List<Integer> starts = new ArrayList<>();
        private final List<Integer> ends = new ArrayList<>();
        private final List<String> labels = new ArrayList<>();

        void target(List<int[][]> targetRows, int at, int start, int end, String label) {
            for (int[][] row : targetRows) {
                ids.add(row[0]);
                types.add(row[1]);
            }
            rows.add(targetRows.size());
            index.add(at);
            starts.add(start);
            ends.add(end);
            labels.add(label);
        }

        ClassifierFeatures build(HfTokenizer.SpecialTokens specials) {
            if (ids.isEmpty()) {
                ids.add(withSpecials(specials, new int[0], 0, 0));
                types.add(null);
            }
            return new ClassifierFeatures(
                    ids.toArray(int[][]::new),
                    types.toArray(int[][]::new),
                    rows.stream().mapToInt(Integer::intValue).toArray(),
                    index.stream().mapToInt(Integer::intValue).toArray(),
                    starts.stream().mapToInt(Integer::intValue).toArray(),
                    ends.stream().mapToInt(Integer::intValue).toArray(),
                    labels.toArray(String[]::new));
        }
    }

    /** Options; {@code model} is required. */
    public static final class Builder {
        private String name = TYPE;
        private ModelLocation model;
        private Target target = Target.DOC;
        private Aggregation aggregation = Aggregation.MEAN;
        private double threshold = DEFAULT_THRESHOLD;
        private Set<String> entityLabels = Set.of();
        private int context = DEFAULT_CONTEXT;
        private boolean withinSentence;
        private List<String> markers;
        private boolean textPair;
        private int maxLength = DEFAULT_MAX_LENGTH;
        private int stride = DEFAULT_STRIDE;

        private Builder() {}

        /** The component's name, and the attribute it writes. */
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

        public Builder on(Target target) {
            this.target = Objects.requireNonNull(target, "target");
            return this;
        }

        public Builder aggregation(Aggregation aggregation) {
            this.aggregation = Objects.requireNonNull(aggregation, "aggregation");
            return this;
        }

        /** The probability at or above which a multi-label head's label holds. */
        public Builder threshold(double threshold) {
            if (!(threshold > 0 && threshold < 1)) {
                throw new IllegalArgumentException(
                        "threshold: expected a probability between 0 and 1, got " + threshold);
            }
            this.threshold = threshold;
            return this;
        }

        /** Only entities of these labels; all when empty. */
        public Builder entityLabels(Set<String> labels) {
            this.entityLabels = Objects.requireNonNull(labels, "labels");
            return this;
        }

        /** Characters of context on each side of an entity. */
        public Builder context(int chars) {
            if (chars < 0) {
                throw new IllegalArgumentException(
                        "context: expected a number of characters >= 0, got " + chars);
            }
            this.context = chars;
            return this;
        }

        /** Cut an entity's context at its sentence's ends. */
        public Builder withinSentence(boolean withinSentence) {
            this.withinSentence = withinSentence;
            return this;
        }

        /** Two strings inserted before and after an entity; each must be one vocabulary token. */
        public Builder markers(List<String> markers) {
            this.markers = markers;
            return this;
        }

        /** The entity, then its context, as a text pair. */
        public Builder textPair(boolean textPair) {
            this.textPair = textPair;
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
         * @throws IllegalArgumentException naming the file or the option and what was expected
         */
        public SequenceClassifier build() {
            return new SequenceClassifier(this);
        }
    }
}
