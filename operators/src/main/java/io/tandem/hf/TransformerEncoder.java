package io.tandem.hf;

import ai.onnxruntime.OnnxJavaType;
import io.tandem.inference.BucketedForward;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelSignature;
import io.tandem.inference.OnnxSession;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The part every transformer component shares: a Hugging Face export, its tokenizer, and the
 * model's inputs as the ONNX graph declares them.
 *
 * <ul>
 *   <li>preprocess: pieces with UTF-16 offsets in the original text, cut into windows of at most
 *       {@code maxLength} tokens (special tokens included) that overlap by {@code stride} pieces;
 *   <li>collate: one row per window with the tokenizer's special tokens around it, padded to the
 *       longest row of the batch; each input the graph has, by name: {@code input_ids}, {@code
 *       attention_mask}, {@code token_type_ids} (zeros), {@code position_ids}, as int64 or int32 as
 *       declared;
 *   <li>forward: an {@link OnnxSession} on the export's model.
 * </ul>
 *
 * Built on the client, where {@link #open} checks the export and fails with a message naming the
 * file; ships serialized without native resources.
 */
public final class TransformerEncoder implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final String INPUT_IDS = "input_ids";
    public static final String ATTENTION_MASK = "attention_mask";
    public static final String TOKEN_TYPE_IDS = "token_type_ids";
    public static final String POSITION_IDS = "position_ids";
    public static final List<String> FEEDABLE =
            List.of(INPUT_IDS, ATTENTION_MASK, TOKEN_TYPE_IDS, POSITION_IDS);

    /** One model input, and whether the graph declares it int32 rather than int64. */
    private record Input(String name, boolean int32) implements Serializable {}

    private final String component;
    private final HfExport export;
    private final HfConfig config;
    private final HfTokenizer tokenizer;
    private final List<Input> inputs;
    private final int maxLength;
    private final int stride;
    private final transient ModelSignature signature;
    private final boolean dynamicallyQuantized;

    private TransformerEncoder(
            String component,
            HfExport export,
            HfConfig config,
            HfTokenizer tokenizer,
            List<Input> inputs,
            int maxLength,
            int stride,
            ModelSignature signature,
            boolean dynamicallyQuantized) {
        this.component = component;
        this.export = export;
        this.config = config;
        this.tokenizer = tokenizer;
        this.inputs = List.copyOf(inputs);
        this.maxLength = maxLength;
        this.stride = stride;
        this.signature = signature;
        this.dynamicallyQuantized = dynamicallyQuantized;
    }

    /**
     * Reads and checks the export for component {@code component}: tokenizer, config, the graph's
     * inputs, and the window sizes against the tokenizer's specials and {@code
     * max_position_embeddings}.
     *
     * @throws IllegalArgumentException naming the file and what was expected
     */
    public static TransformerEncoder open(
            String component, HfExport export, int maxLength, int stride) {
        HfTokenizer tokenizer = HfTokenizer.load(export.tokenizer());
        HfConfig config = HfConfig.read(export.config());
        int specials = tokenizer.specials().count();
        if (maxLength < specials + 1) {
            throw new IllegalArgumentException(
                    "max_length must be >= "
                            + (specials + 1)
                            + " (the "
                            + specials
                            + " special tokens of "
                            + export.tokenizer()
                            + " and one piece), got "
                            + maxLength);
        }
        if (stride < 0 || stride >= maxLength - specials) {
            throw new IllegalArgumentException(
                    "stride must be in [0, max_length - "
                            + specials
                            + " special tokens = "
                            + (maxLength - specials)
                            + "), got "
                            + stride
                            + " (it is the overlap between consecutive windows)");
        }
        if (config.maxPositionEmbeddings() > 0 && maxLength > config.maxPositionEmbeddings()) {
            throw new IllegalArgumentException(
                    "max_length "
                            + maxLength
                            + " is greater than max_position_embeddings "
                            + config.maxPositionEmbeddings()
                            + " of "
                            + export.config());
        }
        ModelSignature signature = ModelSignature.read(export.model());
        List<Input> inputs = new ArrayList<>();
        for (ModelSignature.Port port : signature.inputs().values()) {
            if (!FEEDABLE.contains(port.name())) {
                throw new IllegalArgumentException(
                        "Model "
                                + export.model()
                                + " has input '"
                                + port.name()
                                + "' that component '"
                                + component
                                + "' cannot feed; it feeds "
                                + FEEDABLE
                                + " (model inputs: "
                                + signature.inputs().values()
                                + ")");
            }
            if (port.type() != OnnxJavaType.INT64 && port.type() != OnnxJavaType.INT32) {
                throw new IllegalArgumentException(
                        "Model "
                                + export.model()
                                + " declares input '"
                                + port.name()
                                + "' as "
                                + port.type()
                                + "; expected INT64 or INT32");
            }
            inputs.add(new Input(port.name(), port.type() == OnnxJavaType.INT32));
        }
        if (inputs.stream().noneMatch(i -> i.name().equals(INPUT_IDS))) {
            throw new IllegalArgumentException(
                    "Model "
                            + export.model()
                            + " has no input '"
                            + INPUT_IDS
                            + "' (model inputs: "
                            + signature.inputs().values()
                            + ")");
        }
        OnnxGraph graph = OnnxGraph.read(export.model());
        checkVocabulary(export, tokenizer, config, graph);
        return new TransformerEncoder(
                component,
                export,
                config,
                tokenizer,
                inputs,
                maxLength,
                stride,
                signature,
                graph.dynamicallyQuantized());
    }

    /**
     * How many ids fewer than the model's vocabulary its tokenizer may have. Exports may round
     * {@code vocab_size} up to a multiple of 64 or 128 (T5's 32100 ids in 32128); a tokenizer of
     * another model is usually off by far more (bert-base-cased's 28996 ids against
     * bert-base-uncased's 30522, 5%; bert-base-chinese's 21128).
     */
    private static long vocabularyPadding(long modelVocabulary) {
        return Math.max(128, modelVocabulary / 32);
    }

    /**
     * A tokenizer of another model: ids past the word-embedding table fail the documents that hold
     * them, and a smaller vocabulary runs without error on the wrong rows. So the tokenizer's
     * vocabulary must fit {@code config.json}'s {@code vocab_size} and the graph's table, and fill
     * them but for a little padding.
     */
    private static void checkVocabulary(
            HfExport export, HfTokenizer tokenizer, HfConfig config, OnnxGraph graph) {
        if (config.vocabSize() > 0) {
            checkVocabulary(
                    tokenizer,
                    config.vocabSize(),
                    export.config() + " declares vocab_size " + config.vocabSize());
        }
        WordEmbeddingTable.in(graph, INPUT_IDS)
                .ifPresent(
                        table ->
                                checkVocabulary(
                                        tokenizer,
                                        table.rows(),
                                        "the word-embedding table '"
                                                + table.name()
                                                + "' of "
                                                + export.model()
                                                + " has "
                                                + table.rows()
                                                + " rows"));
    }

    private static void checkVocabulary(
            HfTokenizer tokenizer, long modelVocabulary, String modelSide) {
        long ids = tokenizer.vocabularySize();
        long fewest = Math.max(1, modelVocabulary - vocabularyPadding(modelVocabulary));
        if (ids > modelVocabulary || ids < fewest) {
            throw new IllegalArgumentException(
                    "Tokenizer "
                            + tokenizer.location()
                            + " has "
                            + ids
                            + " ids but "
                            + modelSide
                            + ": they are not from the same model; expected "
                            + fewest
                            + " to "
                            + modelVocabulary
                            + " ids (an export may pad its vocabulary by up to "
                            + vocabularyPadding(modelVocabulary)
                            + ")");
        }
    }

    public HfExport export() {
        return export;
    }

    public HfConfig config() {
        return config;
    }

    public HfTokenizer tokenizer() {
        return tokenizer;
    }

    public int maxLength() {
        return maxLength;
    }

    public int stride() {
        return stride;
    }

    /** The graph's signature; only on the instance built on the client (null once shipped). */
    public ModelSignature signature() {
        return signature;
    }

    /** The model output {@code name}, or an error naming the model and the outputs it has. */
    public ModelSignature.Port requireOutput(String name) {
        ModelSignature.Port port = signature.outputs().get(name);
        if (port == null) {
            throw new IllegalArgumentException(
                    "Model "
                            + export.model()
                            + " has no output '"
                            + name
                            + "' that component '"
                            + component
                            + "' reads (model outputs: "
                            + signature.outputs().values()
                            + ")");
        }
        if (port.type() != OnnxJavaType.FLOAT
                && port.type() != OnnxJavaType.FLOAT16
                && port.type() != OnnxJavaType.BFLOAT16) {
            throw new IllegalArgumentException(
                    "Model "
                            + export.model()
                            + " declares output '"
                            + name
                            + "' as "
                            + port.type()
                            + "; expected FLOAT or FLOAT16");
        }
        return port;
    }

    /** Pieces of {@code text} and the windows that cover them. */
    public TokenClassifierFeatures preprocess(String text) {
        HfTokenizer.Pieces pieces = tokenizer.encode(text);
        int specials = tokenizer.specials().count();
        int[][] windows = windows(pieces.size(), maxLength - specials, stride);
        return new TokenClassifierFeatures(
                pieces.ids(),
                pieces.starts(),
                pieces.ends(),
                pieces.words(),
                windows[0],
                windows[1],
                specials);
    }

    /**
     * Windows of at most {@code maxPieces} pieces, each starting {@code maxPieces - stride} after
     * the previous one, until one reaches the end: {@code {starts, ends}}. No pieces still give one
     * (empty) window, so every document has a row.
     */
    public static int[][] windows(int pieces, int maxPieces, int stride) {
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
    public static int[] mostCentralWindows(TokenClassifierFeatures features) {
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

    /** Rows of a batch: one per window, documents in order. */
    public static int rows(List<TokenClassifierFeatures> features) {
        int rows = 0;
        for (TokenClassifierFeatures f : features) {
            rows += f.windowCount();
        }
        return rows;
    }

    /** The longest row of a batch. */
    public static int longestRow(List<TokenClassifierFeatures> features) {
        int longest = 0;
        for (TokenClassifierFeatures f : features) {
            longest = Math.max(longest, f.maxWindowLength());
        }
        return longest;
    }

    /** The model's inputs for a batch: one row per window, specials around it, padded. */
    public TensorMap collate(List<TokenClassifierFeatures> features) {
        if (features.isEmpty()) {
            throw new IllegalArgumentException("Cannot collate an empty batch");
        }
        HfTokenizer.SpecialTokens specials = tokenizer.specials();
        int rows = rows(features);
        int sequence = longestRow(features);
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        if (specials.padId() != 0) {
            Arrays.fill(ids, specials.padId());
        }
        int row = 0;
        for (TokenClassifierFeatures f : features) {
            for (int w = 0; w < f.windowCount(); w++, row++) {
                int at = row * sequence;
                for (int id : specials.prefix()) {
                    ids[at] = id;
                    mask[at++] = 1;
                }
                for (int p = f.windowStart(w); p < f.windowEnd(w); p++) {
                    ids[at] = f.pieceId(p);
                    mask[at++] = 1;
                }
                for (int id : specials.suffix()) {
                    ids[at] = id;
                    mask[at++] = 1;
                }
            }
        }
        return inputs(rows, sequence, ids, mask, null);
    }

    /**
     * The model's inputs from row-major {@code [rows, sequence]} ids and attention mask, each
     * tensor of the type the graph declares (int64 or int32); positions count from 0 in each row.
     *
     * @param types the token type ids; {@code null} for all zeros
     */
    public TensorMap inputs(int rows, int sequence, long[] ids, long[] mask, long[] types) {
        long[] shape = {rows, sequence};
        List<Tensor> tensors = new ArrayList<>(inputs.size());
        for (Input input : inputs) {
            long[] values =
                    switch (input.name()) {
                        case INPUT_IDS -> ids;
                        case ATTENTION_MASK -> mask;
                        case TOKEN_TYPE_IDS -> types != null ? types : new long[rows * sequence];
                        case POSITION_IDS -> positions(rows, sequence);
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

    /**
     * Opens the model where forward passes run; on the CPU, a batch runs by length buckets (see
     * {@link BucketedForward} for why only there), unless the model quantizes its activations
     * dynamically: its scale is computed over each pass, so buckets would change what it answers
     * for a row beside the same rows.
     */
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        OnnxSession session = OnnxSession.open(export.model(), context);
        return session.executionProvider().equals("CPU") && !dynamicallyQuantized
                ? new BucketedForward(session)
                : session;
    }

    /** Whether the model quantizes its activations dynamically ({@code DynamicQuantizeLinear}). */
    public boolean dynamicallyQuantized() {
        return dynamicallyQuantized;
    }

    /** Loads the native tokenizer of this subtask now rather than on the first document. */
    public void open() {
        tokenizer.open();
    }

    /** Releases the native tokenizer of this subtask. */
    public void close() {
        tokenizer.close();
    }

    /** Inputs fed, by name, for messages and tests. */
    public List<String> inputNames() {
        return inputs.stream().map(Input::name).toList();
    }

    @Override
    public String toString() {
        return export.model() + " (" + tokenizer.modelType() + ", inputs " + inputNames() + ")";
    }
}
