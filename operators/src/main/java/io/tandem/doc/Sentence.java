package io.tandem.doc;

/**
 * A sentence as a token range {@code [tokenStart, tokenEnd)} and the character range {@code [start,
 * end)} it covers in the original text.
 */
public record Sentence(int tokenStart, int tokenEnd, int start, int end) {}
