package io.tandem.models;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.util.List;
import java.util.Random;

/**
 * The project's tiny token classifier, weights chosen by construction (no training, no download):
 * {@code input_ids -> Gather(embeddings) -> MatMul + Add -> logits}, multiplied by the attention
 * mask so padding positions score all zeros.
 *
 * <p>Each vocabulary piece's embedding puts a large value on the dimension of its label (drug stems
 * {@code B-DRUG}, drug continuations {@code I-DRUG}, everything else {@code O}); the remaining
 * dimensions and their projection weights are small seeded noise, so the logits are not round
 * numbers and the runtime's arithmetic is really compared with {@link #referenceLogits}.
 */
public final class TinyModel {
    public static final List<String> LABELS = List.of("O", "B-DRUG", "I-DRUG");
    public static final String RESOURCE_DIR = "io/tandem/models/tiny/";
    public static final String MODEL_RESOURCE = RESOURCE_DIR + "model.onnx";
    public static final String TOKENIZER_RESOURCE = RESOURCE_DIR + "tokenizer.json";
    public static final String CONFIG_RESOURCE = RESOURCE_DIR + "config.json";
    public static final int MAX_POSITIONS = 512;

    static final int HIDDEN = 8;
    static final float LABEL_SIGNAL = 4f;
    static final float NOISE = 1f;
    static final float PROJECTION_NOISE = 0.05f;
    static final float OUTSIDE_BIAS = 0.5f;
    private static final long SEED = 20_240_917L;

    private final ClinicalVocabulary vocabulary;
    private final float[] embeddings; // [vocab, HIDDEN]
    private final float[] projection; // [HIDDEN, labels]
    private final float[] bias; // [labels]

    private TinyModel(ClinicalVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        int vocabSize = vocabulary.tokens().size();
        int labels = LABELS.size();
        Random random = new Random(SEED);
        embeddings = new float[vocabSize * HIDDEN];
        for (int id = 0; id < vocabSize; id++) {
            int label = vocabulary.label(vocabulary.tokens().get(id)).ordinal();
            embeddings[id * HIDDEN + label] = LABEL_SIGNAL;
            for (int d = labels; d < HIDDEN; d++) {
                embeddings[id * HIDDEN + d] = NOISE * (2 * random.nextFloat() - 1);
            }
        }
        projection = new float[HIDDEN * labels];
        for (int d = 0; d < HIDDEN; d++) {
            for (int l = 0; l < labels; l++) {
                projection[d * labels + l] =
                        d < labels
                                ? (d == l ? 1f : 0f)
                                : PROJECTION_NOISE * (2 * random.nextFloat() - 1);
            }
        }
        bias = new float[labels];
        // O wins whenever no label dimension speaks.
        bias[0] = OUTSIDE_BIAS;
    }

    public static TinyModel create() {
        return new TinyModel(ClinicalVocabulary.build());
    }

    public ClinicalVocabulary vocabulary() {
        return vocabulary;
    }

    /** Its {@code tokenizer.json}: BERT uncased WordPiece on the clinical vocabulary. */
    public byte[] tokenizerJson() {
        return TokenizerJson.wordPiece(vocabulary.tokens(), true);
    }

    /** Its {@code config.json}: the labels as {@code id2label}. */
    public byte[] configJson() {
        return TokenizerJson.tokenClassifierConfig(
                "bert", LABELS, MAX_POSITIONS, vocabulary.tokens().size());
    }

    /** The serialized ONNX model. */
    public byte[] onnxBytes() {
        return onnxBytes(vocabulary.tokens().size());
    }

    /**
     * The model with only the first {@code embeddingRows} rows of its embedding table, though it
     * still declares the whole vocabulary: ONNX Runtime's {@code Gather} then rejects the ids past
     * the table, and only documents holding one of them fail. A realistic poison for tests: a
     * broken export fails this way. The file holds the whole table and the graph cuts it with a
     * {@code Slice}, so that the start-up check, which compares the tokenizer with the table it
     * reads in the file ({@code io.tandem.hf.WordEmbeddingTable}), lets the model start.
     */
    public byte[] onnxBytes(int embeddingRows) {
        int vocabSize = vocabulary.tokens().size();
        if (embeddingRows < 1 || embeddingRows > vocabSize) {
            throw new IllegalArgumentException(
                    "embeddingRows must be in [1, " + vocabSize + "], got " + embeddingRows);
        }
        int labels = LABELS.size();
        OnnxGraphBuilder g = new OnnxGraphBuilder("tandem_tiny_token_classifier");
        g.metadata("labels", String.join(",", LABELS));
        g.metadata("vocab_size", Integer.toString(vocabSize));
        String ids = g.input("input_ids", TensorProto.DataType.INT64, "batch", "sequence");
        String mask = g.input("attention_mask", TensorProto.DataType.INT64, "batch", "sequence");
        String table = g.floats("embeddings", new long[] {vocabSize, HIDDEN}, embeddings);
        if (embeddingRows < vocabSize) {
            String first = g.longs("table_first_row", new long[] {1}, new long[] {0});
            String end = g.longs("table_end_row", new long[] {1}, new long[] {embeddingRows});
            table = g.node("Slice", "short_table", OnnxGraphBuilder.in(table, first, end));
        }
        String weight = g.floats("classifier.weight", new long[] {HIDDEN, labels}, projection);
        String biasName = g.floats("classifier.bias", new long[] {labels}, bias);
        String lastAxis = g.longs("last_axis", new long[] {1}, new long[] {-1});

        String hidden =
                g.node(
                        "Gather",
                        "hidden",
                        OnnxGraphBuilder.in(table, ids),
                        OnnxGraphBuilder.intAttribute("axis", 0));
        String projected = g.node("MatMul", "projected", OnnxGraphBuilder.in(hidden, weight));
        String scores = g.node("Add", "scores", OnnxGraphBuilder.in(projected, biasName));
        String maskFloat =
                g.node(
                        "Cast",
                        "mask_float",
                        OnnxGraphBuilder.in(mask),
                        OnnxGraphBuilder.intAttribute(
                                "to", TensorProto.DataType.FLOAT.getNumber()));
        String maskColumn =
                g.node("Unsqueeze", "mask_column", OnnxGraphBuilder.in(maskFloat, lastAxis));
        String logits = g.node("Mul", "logits", OnnxGraphBuilder.in(scores, maskColumn));
        g.output(logits, TensorProto.DataType.FLOAT, "batch", "sequence", labels);
        return g.build("Tandem tiny WordPiece token classifier (DRUG), weights by construction")
                .toByteArray();
    }

    /**
     * The same forward pass in plain Java: logits {@code [rows, sequence, labels]} flattened, for
     * ids and mask {@code [rows, sequence]} flattened.
     */
    public float[] referenceLogits(long[] inputIds, long[] attentionMask, int rows, int sequence) {
        int labels = LABELS.size();
        if (inputIds.length != rows * sequence || attentionMask.length != rows * sequence) {
            throw new IllegalArgumentException(
                    "Expected "
                            + rows * sequence
                            + " ids and mask values for ["
                            + rows
                            + ", "
                            + sequence
                            + "], got "
                            + inputIds.length
                            + " and "
                            + attentionMask.length);
        }
        float[] logits = new float[rows * sequence * labels];
        for (int position = 0; position < rows * sequence; position++) {
            int id = Math.toIntExact(inputIds[position]);
            float mask = attentionMask[position];
            for (int l = 0; l < labels; l++) {
                float sum = 0f;
                for (int d = 0; d < HIDDEN; d++) {
                    sum += embeddings[id * HIDDEN + d] * projection[d * labels + l];
                }
                logits[position * labels + l] = (sum + bias[l]) * mask;
            }
        }
        return logits;
    }
}
