package io.tandem.doc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * A sentence as a token range {@code [tokenStart, tokenEnd)} and the character range {@code [start,
 * end)} it covers in the original text, with attributes set by components that classify sentences
 * (values as {@link Span}'s).
 */
public record Sentence(
        int tokenStart, int tokenEnd, int start, int end, Map<String, Object> attributes) {

    public Sentence {
        attributes = new LinkedHashMap<>(Objects.requireNonNull(attributes, "attributes"));
    }

    /** A sentence without attributes yet. */
    public Sentence(int tokenStart, int tokenEnd, int start, int end) {
        this(tokenStart, tokenEnd, start, end, Map.of());
    }

    /** Mutable: classifiers set attributes in place. */
    @Override
    public Map<String, Object> attributes() {
        return attributes;
    }
}
