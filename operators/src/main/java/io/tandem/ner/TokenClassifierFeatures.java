package io.tandem.ner;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One document's word pieces and the windows that cover them, as {@link OnnxTokenClassifier}'s
 * preprocess computes them. Piece offsets index the document's original text. Window {@code w}
 * covers pieces {@code [windowStarts[w], windowEnds[w])}; in a batch each window becomes one row,
 * documents in order and windows in order within a document, so the row of every window is known
 * from the features alone and never travels in the tensors.
 */
public final class TokenClassifierFeatures implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] pieceIds;
    private final int[] pieceStarts;
    private final int[] pieceEnds;
    private final int[] windowStarts;
    private final int[] windowEnds;

    public TokenClassifierFeatures(
            int[] pieceIds,
            int[] pieceStarts,
            int[] pieceEnds,
            int[] windowStarts,
            int[] windowEnds) {
        if (pieceStarts.length != pieceIds.length || pieceEnds.length != pieceIds.length) {
            throw new IllegalArgumentException(
                    "Piece arrays differ in length: ids "
                            + pieceIds.length
                            + ", starts "
                            + pieceStarts.length
                            + ", ends "
                            + pieceEnds.length);
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

    public int windowCount() {
        return windowStarts.length;
    }

    public int windowStart(int window) {
        return windowStarts[window];
    }

    public int windowEnd(int window) {
        return windowEnds[window];
    }

    /** Row length of a window: its pieces plus {@code [CLS]} and {@code [SEP]}. */
    public int windowLength(int window) {
        return windowEnds[window] - windowStarts[window] + 2;
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
