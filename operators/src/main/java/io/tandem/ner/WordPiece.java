package io.tandem.ner;

/**
 * One WordPiece token: its vocabulary text (with {@code ##} for continuations, or {@code [UNK]}),
 * id, and the character range {@code [start, end)} of the ORIGINAL text it came from.
 */
public record WordPiece(String text, int id, int start, int end) {}
