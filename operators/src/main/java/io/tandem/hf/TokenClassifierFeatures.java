package io.tandem.hf;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One document's pieces and the windows that cover them, as a transformer component's preprocess
 * computes them (the token classifier's and the embedder's). Piece offsets index the document's
 * original text in UTF-16 units. Window {@code w} covers pieces {@code [windowStarts[w],
 * windowEnds[w])}; in a batch each window becomes one row, documents in order and windows in order
 * within a document, so the row of every window is known from the features alone and never travels
 * in the tensors.
 */
public final class TokenClassifierFeatures implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] pieceIds;
    private final int[] pieceStarts;
    private final int[] pieceEnds;
    private final int[] pieceWords;
    private final int[] windowStarts;
    private final int[] windowEnds;
    private final int specials;

    public TokenClassifierFeatures(
            int[] pieceIds,
            int[] pieceStarts,
            int[] pieceEnds,
            int[] pieceWords,
            int[] windowStarts,
            int[] windowEnds,
            int specials) {
        if (pieceStarts.length != pieceIds.length
                || pieceEnds.length != pieceIds.length
                || pieceWords.length != pieceIds.length) {
            throw new IllegalArgumentException(
                    "Piece arrays differ in length: ids "
                            + pieceIds.length
                            + ", starts "
                            + pieceStarts.length
                            + ", ends "
                            + pieceEnds.length
                            + ", words "
                            + pieceWords.length);
        }
        if (windowStarts.length != windowEnds.length || windowStarts.length == 0) {
            throw new IllegalArgumentException(
                    "Expected at least one window and as many starts as ends, got "
                            + windowStarts.length
                            + " starts and "
                            + windowEnds.length
                            + " ends");
        }
        this.pieceIds = pieceIds;
        this.pieceStarts = pieceStarts;
        this.pieceEnds = pieceEnds;
        this.pieceWords = pieceWords;
        this.specials = specials;
        this.windowStarts = windowStarts;
        this.windowEnds = windowEnds;
    }

    public int pieceCount() {
        return pieceIds.length;
    }

    public int pieceId(int piece) {
        return pieceIds[piece];
    }

    public int pieceStart(int piece) {
        return pieceStarts[piece];
    }

    public int pieceEnd(int piece) {
        return pieceEnds[piece];
    }

    /** The index of the word (as the tokenizer's pre-tokenizer split it) the piece belongs to. */
    public int pieceWord(int piece) {
        return pieceWords[piece];
    }

    /** Special tokens around each window ({@code [CLS]} and {@code [SEP]}: 2). */
    public int specials() {
        return specials;
    }

    public int windowCount() {
        return windowStarts.length;
    }

    public int windowStart(int window) {
        return windowStarts[window];
    }

    public int windowEnd(int window) {
        return windowEnds[window];
    }

    /** Row length of a window: its pieces plus the special tokens around them. */
    public int windowLength(int window) {
        return windowEnds[window] - windowStarts[window] + specials;
    }

    /** Real tokens over all windows (overlaps counted each time, specials included). */
    public int tokenCount() {
        int tokens = 0;
        for (int w = 0; w < windowCount(); w++) {
            tokens += windowLength(w);
        }
        return tokens;
    }

    /** Longest row among this document's windows. */
    public int maxWindowLength() {
        int longest = 0;
        for (int w = 0; w < windowCount(); w++) {
            longest = Math.max(longest, windowLength(w));
        }
        return longest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenClassifierFeatures f
                && Arrays.equals(f.pieceIds, pieceIds)
                && Arrays.equals(f.pieceStarts, pieceStarts)
                && Arrays.equals(f.pieceEnds, pieceEnds)
                && Arrays.equals(f.pieceWords, pieceWords)
                && f.specials == specials
                && Arrays.equals(f.windowStarts, windowStarts)
                && Arrays.equals(f.windowEnds, windowEnds);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(pieceIds) + Arrays.hashCode(windowStarts);
    }

    @Override
    public String toString() {
        return "TokenClassifierFeatures[pieces="
                + pieceCount()
                + ", windows="
                + windowCount()
                + "]";
    }
}
