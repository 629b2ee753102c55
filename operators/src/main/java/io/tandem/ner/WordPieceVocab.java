package io.tandem.ner;

import io.tandem.inference.ModelLocation;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A BERT-style vocabulary: one token per line of {@code vocab.txt}, its id the line number. It must
 * hold the special tokens {@code [PAD]}, {@code [UNK]}, {@code [CLS]} and {@code [SEP]}.
 */
public final class WordPieceVocab {
    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    public static final String CONTINUATION = "##";

    private final List<String> tokens;
    private final Map<String, Integer> ids;
    private final int maxTokenLength;
    private final int padId;
    private final int unkId;
    private final int clsId;
    private final int sepId;

    public WordPieceVocab(List<String> tokens) {
        this.tokens = List.copyOf(tokens);
        this.ids = new HashMap<>(tokens.size() * 2);
        int longest = 0;
        for (int id = 0; id < this.tokens.size(); id++) {
            String token = this.tokens.get(id);
            if (token.isEmpty()) {
                throw new IllegalArgumentException("Vocabulary line " + (id + 1) + " is empty");
            }
            Integer previous = ids.putIfAbsent(token, id);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "Vocabulary token '"
                                + token
                                + "' appears twice, at lines "
                                + (previous + 1)
                                + " and "
                                + (id + 1));
            }
            longest = Math.max(longest, token.codePointCount(0, token.length()));
        }
        this.maxTokenLength = longest;
        this.padId = requireSpecial(PAD);
        this.unkId = requireSpecial(UNK);
        this.clsId = requireSpecial(CLS);
        this.sepId = requireSpecial(SEP);
    }

    private int requireSpecial(String token) {
        Integer id = ids.get(token);
        if (id == null) {
            throw new IllegalArgumentException(
                    "Vocabulary of " + tokens.size() + " tokens lacks the special token " + token);
        }
        return id;
    }

    /** Reads a {@code vocab.txt} (UTF-8, one token per line). */
    public static WordPieceVocab load(ModelLocation location) {
        try (InputStream in = location.open()) {
            return read(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read vocabulary " + location, e);
        }
    }

    public static WordPieceVocab read(InputStream in) throws IOException {
        List<String> lines = new ArrayList<>();
        BufferedReader reader =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
        for (String line = reader.readLine(); line != null; line = reader.readLine()) {
            lines.add(line.strip());
        }
        // A trailing newline is not a token.
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isEmpty()) {
            lines.remove(lines.size() - 1);
        }
        return new WordPieceVocab(lines);
    }

    /** The token's id, or -1 if absent. */
    public int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    public boolean contains(String token) {
        return ids.containsKey(token);
    }

    public String token(int id) {
        if (id < 0 || id >= tokens.size()) {
            throw new IndexOutOfBoundsException(
                    "Token id " + id + " outside the vocabulary [0, " + tokens.size() + ")");
        }
        return tokens.get(id);
    }

    public List<String> tokens() {
        return tokens;
    }

    public int size() {
        return tokens.size();
    }

    /** Longest token in code points, {@code ##} included: bounds the greedy search. */
    public int maxTokenLength() {
        return maxTokenLength;
    }

    public int padId() {
        return padId;
    }

    public int unkId() {
        return unkId;
    }

    public int clsId() {
        return clsId;
    }

    public int sepId() {
        return sepId;
    }
}
