package io.tandem.job.hf;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.hf.TransformerEncoder;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.models.ClassifierHead;
import io.tandem.tensor.TensorMap;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A token-classification head for a real encoder whose answers are known: a nearest-centroid
 * classifier on the encoder's own hidden states. Each target word's centroid (over training notes,
 * in the same windows as at run time) and the centroid of every other piece become a linear layer
 * ({@code logit_c = h·μ_c - |μ_c|²/2}), so a piece takes the label of the nearest centroid;
 * margin-perceptron passes then correct the training pieces it gets wrong or nearly wrong.
 */
final class KnownAnswerHead {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** BIO labels: O, then B- and I- of each target label in {@link KnownAnswerNotes#TARGETS}. */
    static List<String> labels() {
        List<String> labels = new ArrayList<>();
        labels.add("O");
        for (String[] target : KnownAnswerNotes.TARGETS) {
            labels.add("B-" + target[1]);
            labels.add("I-" + target[1]);
        }
        return labels;
    }

    /**
     * The head's ONNX model and how many training pieces it gets wrong (or right by less than the
     * margin).
     */
    record Fitted(byte[] onnx, int pieces, int wrongPieces) {}

    private static final int PERCEPTRON_EPOCHS = 30;

    /** How far the right label must lead on a training piece: room for unseen contexts. */
    private static final double MARGIN = 4;

    private static final float LEARNING_RATE = 0.5f;

    private KnownAnswerHead() {}

    /**
     * The label that wins against {@code expected}, with {@code expected} handicapped by {@link
     * #MARGIN}: {@code expected} itself only when it wins by the margin.
     */
    private static int rival(float[] v, float[] weight, float[] bias, int labels, int expected) {
        int best = 0;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < labels; l++) {
            double score = bias[l] - (l == expected ? MARGIN : 0);
            for (int h = 0; h < v.length; h++) {
                score += v[h] * weight[h * labels + l];
            }
            if (score > bestScore) {
                bestScore = score;
                best = l;
            }
        }
        return best;
    }

    static Fitted fit(
            Path encoderExport, List<KnownAnswerNotes.Note> training, int maxLength, int stride)
            throws Exception {
        int hidden = MiniLmExport.HIDDEN;
        int classes = KnownAnswerNotes.TARGETS.size() + 1; // 0 is "O"
        TransformerEncoder encoder =
                TextEmbedder.builder()
                        .model(encoderExport.toString())
                        .maxLength(maxLength)
                        .stride(stride)
                        .build()
                        .encoder();
        encoder.open();
        int prefix = encoder.tokenizer().specials().prefix().length;
        Map<Integer, Integer> classOfId = new HashMap<>();
        for (int k = 0; k < KnownAnswerNotes.TARGETS.size(); k++) {
            String word = KnownAnswerNotes.TARGETS.get(k)[0];
            int[] ids = encoder.tokenizer().encode(word).ids();
            if (ids.length != 1) {
                throw new IllegalStateException(
                        word + " is not one piece: " + java.util.Arrays.toString(ids));
            }
            classOfId.put(ids[0], k + 1);
        }
        List<float[]> vectors = new ArrayList<>();
        List<Integer> truth = new ArrayList<>();
        double[][] sums = new double[classes][hidden];
        int[] counts = new int[classes];
        try (ForwardRunner runner = encoder.openForward(ForwardContext.cpu(2))) {
            for (KnownAnswerNotes.Note note : training) {
                TokenClassifierFeatures f = encoder.preprocess(note.text());
                TensorMap out = runner.forward(encoder.collate(List.of(f)));
                float[] states = out.get(ClassifierHead.HIDDEN_OUTPUT).floats();
                int sequence = (int) out.get(ClassifierHead.HIDDEN_OUTPUT).dim(1);
                for (int w = 0; w < f.windowCount(); w++) {
                    for (int p = f.windowStart(w); p < f.windowEnd(w); p++) {
                        int at = (w * sequence + prefix + p - f.windowStart(w)) * hidden;
                        float[] v = java.util.Arrays.copyOfRange(states, at, at + hidden);
                        int c = classOfId.getOrDefault(f.pieceId(p), 0);
                        for (int h = 0; h < hidden; h++) {
                            sums[c][h] += v[h];
                        }
                        counts[c]++;
                        vectors.add(v);
                        truth.add(c);
                    }
                }
            }
        } finally {
            encoder.close();
        }
        List<String> labels = labels();
        float[] weight = new float[hidden * labels.size()];
        float[] bias = new float[labels.size()];
        java.util.Arrays.fill(bias, -1e4f); // I- labels: never
        for (int c = 0; c < classes; c++) {
            if (counts[c] == 0) {
                throw new IllegalStateException("No training piece of class " + c);
            }
            int label = c == 0 ? 0 : 2 * c - 1;
            double norm = 0;
            for (int h = 0; h < hidden; h++) {
                float mean = (float) (sums[c][h] / counts[c]);
                weight[h * labels.size() + label] = mean;
                norm += mean * mean;
            }
            bias[label] = (float) (-norm / 2);
        }
        // A few perceptron passes fix the pieces the centroids alone get wrong.
        int wrong = 0;
        for (int epoch = 0; epoch < PERCEPTRON_EPOCHS; epoch++) {
            wrong = 0;
            for (int i = 0; i < vectors.size(); i++) {
                float[] v = vectors.get(i);
                int expected = truth.get(i) == 0 ? 0 : 2 * truth.get(i) - 1;
                int best = rival(v, weight, bias, labels.size(), expected);
                if (best != expected) {
                    wrong++;
                    for (int h = 0; h < hidden; h++) {
                        weight[h * labels.size() + expected] += LEARNING_RATE * v[h];
                        weight[h * labels.size() + best] -= LEARNING_RATE * v[h];
                    }
                    bias[expected] += LEARNING_RATE;
                    bias[best] -= LEARNING_RATE;
                }
            }
            if (wrong == 0) {
                break;
            }
        }
        byte[] onnx = ClassifierHead.attach(MiniLmExport.onnxBytes(), hidden, weight, bias);
        return new Fitted(onnx, vectors.size(), wrong);
    }

    /**
     * Lays out {@code head} as a token-classification export in {@code folder}: its model, MiniLM's
     * tokenizer and a {@code config.json} whose {@code id2label} are {@link #labels()}.
     */
    static Path layOut(Path miniLm, Fitted head, Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.write(folder.resolve("model.onnx"), head.onnx());
        Files.copy(miniLm.resolve("tokenizer.json"), folder.resolve("tokenizer.json"));
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "bert");
        config.put("max_position_embeddings", 512);
        ObjectNode id2label = config.putObject("id2label");
        List<String> labels = labels();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
        }
        Files.writeString(folder.resolve("config.json"), JSON.writeValueAsString(config));
        return folder;
    }
}
