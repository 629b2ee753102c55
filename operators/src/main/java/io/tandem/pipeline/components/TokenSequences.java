package io.tandem.pipeline.components;

import io.tandem.doc.Token;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A dictionary of phrases matched on normalized token sequences: phrases are tokenized and
 * normalized exactly as documents are, indexed by their first token, and matched longest first.
 * Shared by the term matcher and the negation cues.
 */
final class TokenSequences<V> implements Serializable {
    private static final long serialVersionUID = 1L;

    record Entry<V>(List<String> tokens, V value) implements Serializable {}

    record Match<V>(int start, int length, V value) {}

    private final Map<String, List<Entry<V>>> byFirstToken = new HashMap<>();

    void add(String phrase, Normalizer normalizer, V value) {
        List<String> norms = new ArrayList<>();
        for (Token token : Tokenizer.tokenize(phrase)) {
            norms.add(normalizer.normalize(phrase.substring(token.start(), token.end())));
        }
        if (norms.isEmpty()) {
            throw new IllegalArgumentException("Empty phrase '" + phrase + "'");
        }
        List<Entry<V>> entries = byFirstToken.computeIfAbsent(norms.get(0), k -> new ArrayList<>());
        entries.add(new Entry<>(List.copyOf(norms), value));
        entries.sort(Comparator.comparingInt((Entry<V> e) -> e.tokens().size()).reversed());
    }

    boolean isEmpty() {
        return byFirstToken.isEmpty();
    }

    /** The longest phrase starting at token {@code i}, or null. */
    Match<V> longestAt(List<Token> tokens, int i) {
        List<Entry<V>> candidates = byFirstToken.get(tokens.get(i).norm());
        if (candidates == null) {
            return null;
        }
        for (Entry<V> entry : candidates) {
            List<String> phrase = entry.tokens();
            if (i + phrase.size() > tokens.size()) {
                continue;
            }
            boolean matches = true;
            for (int k = 1; k < phrase.size() && matches; k++) {
                matches = phrase.get(k).equals(tokens.get(i + k).norm());
            }
            if (matches) {
                return new Match<>(i, phrase.size(), entry.value());
            }
        }
        return null;
    }

    /** Non-overlapping longest matches, left to right. */
    List<Match<V>> findAll(List<Token> tokens) {
        List<Match<V>> matches = new ArrayList<>();
        for (int i = 0; i < tokens.size(); ) {
            Match<V> match = longestAt(tokens, i);
            if (match == null) {
                i++;
            } else {
                matches.add(match);
                i += match.length();
            }
        }
        return matches;
    }
}
