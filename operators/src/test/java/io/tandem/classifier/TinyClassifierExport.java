package io.tandem.classifier;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.models.SequenceHead;
import io.tandem.models.TinyModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Sequence-classification exports whose answers are known by construction, on the tiny model's
 * tokenizer: each token's vector has 1 on the dimension of the cue word it is ({@link #CUES}), 0
 * elsewhere; the head pools the mean over the row's tokens (specials included) and scores label
 * {@code l} as {@code 100 · (share of the row's tokens that are cue l) - 1}. So a label wins
 * exactly when its cue is in the row, and its probability follows from the row's length.
 */
final class TinyClassifierExport {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Cue dimensions: 0 for "asthma", 1 for "no" and "denies". */
    static final Map<String, Integer> CUES = Map.of("asthma", 0, "no", 1, "denies", 1);

    static final int HIDDEN = 2;
    static final float CUE_WEIGHT = 100f;
    static final float BIAS = -1f;

    private TinyClassifierExport() {}

    static JsonNode tokenizerJson() {
        try (InputStream in =
                TinyClassifierExport.class
                        .getClassLoader()
                        .getResourceAsStream(TinyModel.TOKENIZER_RESOURCE)) {
            return JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes an export whose label {@code l} reads cue dimension {@code cueOf[l]} (-1: no cue, a
     * constant logit of 0).
     */
    static Path write(Path folder, List<String> labels, int[] cueOf, String problemType)
            throws IOException {
        JsonNode vocab = tokenizerJson().path("model").path("vocab");
        int size = vocab.size();
        float[] table = new float[size * HIDDEN];
        CUES.forEach((word, dim) -> table[vocab.get(word).asInt() * HIDDEN + dim] = 1f);
        float[] weight = new float[HIDDEN * labels.size()];
        float[] bias = new float[labels.size()];
        for (int l = 0; l < labels.size(); l++) {
            if (cueOf[l] >= 0) {
                weight[cueOf[l] * labels.size() + l] = CUE_WEIGHT;
                bias[l] = BIAS;
            }
        }
        byte[] onnx =
                SequenceHead.attach(
                        SequenceHead.embeddingEncoder(table, size, HIDDEN),
                        HIDDEN,
                        SequenceHead.Pooling.MEAN,
                        weight,
                        bias);
        Files.createDirectories(folder);
        Files.write(folder.resolve("model.onnx"), onnx);
        Files.writeString(folder.resolve("tokenizer.json"), tokenizerJson().toString());
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "bert");
        config.put("max_position_embeddings", 512);
        config.put("vocab_size", size);
        if (problemType != null) {
            config.put("problem_type", problemType);
        }
        ObjectNode id2label = config.putObject("id2label");
        for (int l = 0; l < labels.size(); l++) {
            id2label.put(Integer.toString(l), labels.get(l));
        }
        Files.writeString(folder.resolve("config.json"), config.toString());
        return folder;
    }

    /** The probability the head gives a cue label for a row of {@code tokens} with {@code cues}. */
    static double cueProbabilityAgainstConstant(int cues, int tokens) {
        return 1 / (1 + Math.exp(-(CUE_WEIGHT * cues / tokens + BIAS)));
    }
}
