package io.tandem.models;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes the {@code tokenizer.json} of a BERT WordPiece vocabulary, as Hugging Face's {@code
 * BertTokenizerFast} saves it: BERT normalizer (clean text, CJK split, lower-casing and accent
 * stripping when uncased), BERT pre-tokenizer, WordPiece model with {@code ##} continuations and
 * {@code [CLS] ... [SEP]} around each sequence. The project's models ship one, so they take the
 * same tokenizer path as any Hugging Face export.
 */
public final class TokenizerJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TokenizerJson() {}

    /** {@code vocab} in id order; it must hold [PAD], [UNK], [CLS], [SEP] (and may hold [MASK]). */
    public static byte[] wordPiece(List<String> vocab, boolean lowercase) {
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (String special : ClinicalVocabulary.SPECIAL_TOKENS) {
            int id = vocab.indexOf(special);
            if (id >= 0) {
                added.addObject()
                        .put("id", id)
                        .put("content", special)
                        .put("single_word", false)
                        .put("lstrip", false)
                        .put("rstrip", false)
                        .put("normalized", false)
                        .put("special", true);
            }
        }
        ObjectNode normalizer = root.putObject("normalizer");
        normalizer.put("type", "BertNormalizer");
        normalizer.put("clean_text", true);
        normalizer.put("handle_chinese_chars", true);
        normalizer.putNull("strip_accents"); // follows lowercase, as in BERT
        normalizer.put("lowercase", lowercase);
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "BertProcessing");
        post.putArray("sep").add("[SEP]").add(requireId(vocab, "[SEP]"));
        post.putArray("cls").add("[CLS]").add(requireId(vocab, "[CLS]"));
        ObjectNode decoder = root.putObject("decoder");
        decoder.put("type", "WordPiece");
        decoder.put("prefix", "##");
        decoder.put("cleanup", true);
        ObjectNode model = root.putObject("model");
        model.put("type", "WordPiece");
        model.put("unk_token", "[UNK]");
        model.put("continuing_subword_prefix", "##");
        model.put("max_input_chars_per_word", 100);
        ObjectNode ids = model.putObject("vocab");
        for (int id = 0; id < vocab.size(); id++) {
            ids.put(vocab.get(id), id);
        }
        requireId(vocab, "[PAD]");
        requireId(vocab, "[UNK]");
        return toBytes(root);
    }

    /**
     * The {@code config.json} of a token classifier over {@code labels}: {@code id2label}, {@code
     * label2id}, {@code max_position_embeddings} and {@code vocab_size}.
     */
    public static byte[] tokenClassifierConfig(
            String modelType, List<String> labels, int maxPositions, int vocabSize) {
        ObjectNode root = JSON.createObjectNode();
        root.putArray("architectures").add("BertForTokenClassification");
        root.put("model_type", modelType);
        ObjectNode id2label = root.putObject("id2label");
        ObjectNode label2id = root.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        root.put("max_position_embeddings", maxPositions);
        root.put("vocab_size", vocabSize);
        return toBytes(root);
    }

    private static int requireId(List<String> vocab, String token) {
        int id = vocab.indexOf(token);
        if (id < 0) {
            throw new IllegalArgumentException(
                    "Vocabulary of " + vocab.size() + " tokens lacks the special token " + token);
        }
        return id;
    }

    private static byte[] toBytes(ObjectNode root) {
        try {
            return (JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n")
                    .getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Cannot write tokenizer JSON", e);
        }
    }
}
