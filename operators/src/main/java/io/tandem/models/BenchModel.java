package io.tandem.models;

import static io.tandem.models.OnnxGraphBuilder.floatAttribute;
import static io.tandem.models.OnnxGraphBuilder.in;
import static io.tandem.models.OnnxGraphBuilder.intAttribute;
import static io.tandem.models.OnnxGraphBuilder.intsAttribute;

import ai.onnx.proto.OnnxMl.TensorProto;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Random;

/**
 * A BERT-like encoder whose cost per token is realistic, for benchmarks: word and position
 * embeddings, {@value #LAYERS} post-norm transformer layers (hidden {@value #HIDDEN}, {@value
 * #HEADS} heads, feed-forward {@value #FEED_FORWARD}, Erf-based GELU, padding keys masked) and a
 * token-classification head over {@link TinyModel#LABELS}. Inputs and outputs are those of the tiny
 * model ({@code input_ids}, {@code attention_mask} -> {@code logits}), on the same vocabulary, so
 * the token classifier runs either.
 *
 * <p>The weights are seeded random numbers, so its predictions mean nothing. At about 14 MB it is
 * never committed: it is generated deterministically (same bytes every time) where it is needed.
 */
public final class BenchModel {
    public static final String NAME = "bench";
    public static final int LAYERS = 4;
    public static final int HIDDEN = 256;
    public static final int HEADS = 4;
    public static final int FEED_FORWARD = 1024;
    public static final int MAX_POSITIONS = 512;
    static final float INIT_STD = 0.02f;
    static final float LAYER_NORM_EPSILON = 1e-12f;

    /** Added to the attention scores of padding keys: softmax gives them exactly zero weight. */
    static final float MASKED_SCORE = -1e9f;

    private static final long SEED = 42L;

    private BenchModel() {}

    /**
     * The files of {@code generated:bench} as an export folder: {@code bench} or {@code
     * bench/model.onnx}, {@code bench/tokenizer.json} and {@code bench/config.json}; null for any
     * other path.
     */
    public static java.util.function.Supplier<byte[]> generatedFile(String path) {
        return switch (path) {
            case NAME, NAME + "/model.onnx" -> BenchModel::bytes;
            case NAME + "/tokenizer.json" ->
                    () -> TokenizerJson.wordPiece(ClinicalVocabulary.build().tokens(), true);
            case NAME + "/config.json" ->
                    () ->
                            TokenizerJson.tokenClassifierConfig(
                                    "bert",
                                    TinyModel.LABELS,
                                    MAX_POSITIONS,
                                    ClinicalVocabulary.build().tokens().size());
            default -> null;
        };
    }

    /** The serialized model (about 14 MB); the same bytes on every call. */
    public static byte[] bytes() {
        return build();
    }

    /** Writes the model to {@code file}, replacing it atomically. */
    public static void generate(Path file) throws IOException {
        Path absolute = file.toAbsolutePath();
        Path partial = Files.createTempFile(absolute.getParent(), "bench-", ".onnx.partial");
        try {
            try (OutputStream out = Files.newOutputStream(partial)) {
                out.write(bytes());
            }
            Files.move(partial, absolute, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(partial);
        }
    }

    /** Generates the model into a new temporary file that closing the result deletes. */
    public static GeneratedModel generateTemp() throws IOException {
        Path file = Files.createTempFile("tandem-bench-", ".onnx");
        try {
            generate(file);
        } catch (IOException | RuntimeException e) {
            Files.deleteIfExists(file);
            throw e;
        }
        return new GeneratedModel(file);
    }

    private static byte[] build() {
        ClinicalVocabulary vocabulary = ClinicalVocabulary.build();
        int vocabSize = vocabulary.tokens().size();
        int labels = TinyModel.LABELS.size();
        int headSize = HIDDEN / HEADS;
        Random random = new Random(SEED);
        OnnxGraphBuilder g = new OnnxGraphBuilder("tandem_bench_encoder");
        g.metadata("labels", String.join(",", TinyModel.LABELS));
        g.metadata("vocab_size", Integer.toString(vocabSize));

        String ids = g.input("input_ids", TensorProto.DataType.INT64, "batch", "sequence");
        String mask = g.input("attention_mask", TensorProto.DataType.INT64, "batch", "sequence");
        String one = g.scalar("one", 1f);
        String half = g.scalar("half", 0.5f);
        String sqrt2 = g.scalar("sqrt2", (float) Math.sqrt(2));
        String maskedScore = g.scalar("masked_score", MASKED_SCORE);
        String scale = g.scalar("attention_scale", (float) (1 / Math.sqrt(headSize)));
        String zero1d = g.longs("zero_1d", new long[] {1}, new long[] {0});
        String headsShape =
                g.longs("heads_shape", new long[] {4}, new long[] {0, 0, HEADS, headSize});
        String hiddenShape = g.longs("hidden_shape", new long[] {3}, new long[] {0, 0, HIDDEN});
        String maskAxes = g.longs("mask_axes", new long[] {2}, new long[] {1, 2});

        // Embeddings: word + position (sliced to the batch's length), then LayerNorm.
        String wordTable =
                g.floats(
                        "embeddings.word",
                        shape(vocabSize, HIDDEN),
                        normal(random, vocabSize * HIDDEN));
        String positionTable =
                g.floats(
                        "embeddings.position",
                        shape(MAX_POSITIONS, HIDDEN),
                        normal(random, MAX_POSITIONS * HIDDEN));
        String words =
                g.node("Gather", "embeddings.words", in(wordTable, ids), intAttribute("axis", 0));
        String length =
                g.node(
                        "Shape",
                        "sequence_length",
                        in(ids),
                        intAttribute("start", 1),
                        intAttribute("end", 2));
        String positions =
                g.node("Slice", "embeddings.positions", in(positionTable, zero1d, length, zero1d));
        String x = g.node("Add", "embeddings.sum", in(words, positions));
        x = layerNorm(g, "embeddings", x);

        // Padding keys: (1 - mask) * MASKED_SCORE, as [batch, 1, 1, sequence].
        String maskFloat =
                g.node(
                        "Cast",
                        "mask.float",
                        in(mask),
                        intAttribute("to", TensorProto.DataType.FLOAT.getNumber()));
        String padding = g.node("Sub", "mask.padding", in(one, maskFloat));
        String paddingScore = g.node("Mul", "mask.score", in(padding, maskedScore));
        String keyBias = g.node("Unsqueeze", "mask.key_bias", in(paddingScore, maskAxes));

        for (int layer = 0; layer < LAYERS; layer++) {
            String p = "layer" + layer + ".";
            String q = linear(g, random, p + "query", x, HIDDEN, HIDDEN);
            String k = linear(g, random, p + "key", x, HIDDEN, HIDDEN);
            String v = linear(g, random, p + "value", x, HIDDEN, HIDDEN);
            String qHeads =
                    g.node(
                            "Transpose",
                            p + "query.heads",
                            in(g.node("Reshape", p + "query.split", in(q, headsShape))),
                            intsAttribute("perm", 0, 2, 1, 3));
            String kHeadsT =
                    g.node(
                            "Transpose",
                            p + "key.heads_t",
                            in(g.node("Reshape", p + "key.split", in(k, headsShape))),
                            intsAttribute("perm", 0, 2, 3, 1));
            String vHeads =
                    g.node(
                            "Transpose",
                            p + "value.heads",
                            in(g.node("Reshape", p + "value.split", in(v, headsShape))),
                            intsAttribute("perm", 0, 2, 1, 3));
            String scores = g.node("MatMul", p + "scores", in(qHeads, kHeadsT));
            String scaled = g.node("Mul", p + "scores.scaled", in(scores, scale));
            String masked = g.node("Add", p + "scores.masked", in(scaled, keyBias));
            String weights =
                    g.node("Softmax", p + "attention", in(masked), intAttribute("axis", -1));
            String context = g.node("MatMul", p + "context.heads", in(weights, vHeads));
            String merged =
                    g.node(
                            "Reshape",
                            p + "context",
                            in(
                                    g.node(
                                            "Transpose",
                                            p + "context.t",
                                            in(context),
                                            intsAttribute("perm", 0, 2, 1, 3)),
                                    hiddenShape));
            String attention = linear(g, random, p + "attention.output", merged, HIDDEN, HIDDEN);
            x =
                    layerNorm(
                            g,
                            p + "attention",
                            g.node("Add", p + "attention.residual", in(x, attention)));

            String up = linear(g, random, p + "intermediate", x, HIDDEN, FEED_FORWARD);
            String activated = gelu(g, p + "intermediate", up, one, half, sqrt2);
            String down = linear(g, random, p + "output", activated, FEED_FORWARD, HIDDEN);
            x = layerNorm(g, p + "output", g.node("Add", p + "output.residual", in(x, down)));
        }
        String logits = linear(g, random, "classifier", x, HIDDEN, labels);
        String output = g.node("Identity", "logits", in(logits));
        g.output(output, TensorProto.DataType.FLOAT, "batch", "sequence", labels);
        return g.build("Tandem benchmark encoder: seeded random weights, realistic cost per token")
                .toByteArray();
    }

    private static String linear(
            OnnxGraphBuilder g,
            Random random,
            String name,
            String input,
            int inFeatures,
            int outFeatures) {
        String weight =
                g.floats(
                        name + ".weight",
                        shape(inFeatures, outFeatures),
                        normal(random, inFeatures * outFeatures));
        String bias = g.floats(name + ".bias", shape(outFeatures), new float[outFeatures]);
        return g.node(
                "Add",
                name + ".out",
                in(g.node("MatMul", name + ".matmul", in(input, weight)), bias));
    }

    private static String layerNorm(OnnxGraphBuilder g, String name, String input) {
        float[] gamma = new float[HIDDEN];
        java.util.Arrays.fill(gamma, 1f);
        String scale = g.floats(name + ".norm.weight", shape(HIDDEN), gamma);
        String bias = g.floats(name + ".norm.bias", shape(HIDDEN), new float[HIDDEN]);
        return g.node(
                "LayerNormalization",
                name + ".norm",
                in(input, scale, bias),
                intAttribute("axis", -1),
                floatAttribute("epsilon", LAYER_NORM_EPSILON));
    }

    /** GELU(x) = 0.5 x (1 + erf(x / sqrt 2)). */
    private static String gelu(
            OnnxGraphBuilder g, String name, String x, String one, String half, String sqrt2) {
        String erf =
                g.node("Erf", name + ".erf", in(g.node("Div", name + ".scaled", in(x, sqrt2))));
        String shifted = g.node("Add", name + ".erf1", in(erf, one));
        String product = g.node("Mul", name + ".xerf", in(x, shifted));
        return g.node("Mul", name + ".gelu", in(product, half));
    }

    private static long[] shape(long... dims) {
        return dims;
    }

    private static float[] normal(Random random, int count) {
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = (float) (random.nextGaussian() * INIT_STD);
        }
        return values;
    }
}
