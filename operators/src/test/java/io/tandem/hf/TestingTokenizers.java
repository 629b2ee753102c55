package io.tandem.hf;

/** Small BPE and Unigram {@code tokenizer.json}s made here, with {@code <s> ... </s>} specials. */
final class TestingTokenizers {
    private TestingTokenizers() {}

    private static final String SPECIALS =
            "\"added_tokens\": ["
                    + special(0, "<unk>")
                    + ","
                    + special(1, "<s>")
                    + ","
                    + special(2, "</s>")
                    + ","
                    + special(3, "<pad>")
                    + "],";

    private static final String POST_PROCESSOR =
            "\"post_processor\": {\"type\": \"TemplateProcessing\","
                    + " \"single\": [{\"SpecialToken\": {\"id\": \"<s>\", \"type_id\": 0}},"
                    + " {\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
                    + " {\"SpecialToken\": {\"id\": \"</s>\", \"type_id\": 0}}],"
                    + " \"pair\": [{\"Sequence\": {\"id\": \"A\", \"type_id\": 0}},"
                    + " {\"Sequence\": {\"id\": \"B\", \"type_id\": 1}}],"
                    + " \"special_tokens\": {"
                    + "\"<s>\": {\"id\": \"<s>\", \"ids\": [1], \"tokens\": [\"<s>\"]},"
                    + "\"</s>\": {\"id\": \"</s>\", \"ids\": [2], \"tokens\": [\"</s>\"]}}},";

    private static String special(int id, String content) {
        return "{\"id\": "
                + id
                + ", \"content\": \""
                + content
                + "\", \"single_word\": false, \"lstrip\": false, \"rstrip\": false,"
                + " \"normalized\": false, \"special\": true}";
    }

    /** Lower-cases, splits on whitespace, merges a-s-t-h into "asth" and m-a into "ma". */
    static String bpe() {
        return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, "
                + SPECIALS
                + "\"normalizer\": {\"type\": \"Lowercase\"},"
                + "\"pre_tokenizer\": {\"type\": \"WhitespaceSplit\"},"
                + POST_PROCESSOR
                + "\"decoder\": null,"
                + "\"model\": {\"type\": \"BPE\", \"dropout\": null, \"unk_token\": \"<unk>\","
                + " \"continuing_subword_prefix\": null, \"end_of_word_suffix\": null,"
                + " \"fuse_unk\": false, \"byte_fallback\": false, \"ignore_merges\": false,"
                + " \"vocab\": {\"<unk>\": 0, \"<s>\": 1, \"</s>\": 2, \"<pad>\": 3,"
                + " \"a\": 4, \"s\": 5, \"t\": 6, \"h\": 7, \"m\": 8, \"e\": 9, \"n\": 10,"
                + " \"as\": 11, \"th\": 12, \"asth\": 13, \"ma\": 14, \"😀\": 15},"
                + " \"merges\": [\"a s\", \"t h\", \"as th\", \"m a\"]}}";
    }

    /** SentencePiece-style: "▁" marks a word start; "▁asthma" and "▁😀" are pieces. */
    static String unigram() {
        return "{\"version\": \"1.0\", \"truncation\": null, \"padding\": null, "
                + SPECIALS
                + "\"normalizer\": null,"
                + "\"pre_tokenizer\": {\"type\": \"Metaspace\", \"replacement\": \"▁\","
                + " \"prepend_scheme\": \"always\", \"split\": true},"
                + POST_PROCESSOR
                + "\"decoder\": null,"
                + "\"model\": {\"type\": \"Unigram\", \"unk_id\": 0, \"byte_fallback\": false,"
                + " \"vocab\": [[\"<unk>\", 0.0], [\"<s>\", 0.0], [\"</s>\", 0.0],"
                + " [\"<pad>\", 0.0], [\"▁asthma\", -1.0], [\"▁😀\", -1.0], [\"▁\", -3.0],"
                + " [\"a\", -4.0], [\"s\", -4.0], [\"t\", -4.0], [\"h\", -4.0], [\"m\", -4.0]]}}";
    }
}
