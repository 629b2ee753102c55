package io.tandem.classifier;

import java.io.Serializable;
import java.util.Arrays;

/**
 * One document's rows for a {@link SequenceClassifier}: each row is a model input (ids with their
 * special tokens, and type ids or null for all zeros), and each target (the document, a sentence,
 * an entity) takes consecutive rows. A target is remembered by its offsets, label and index in the
 * document's list, so postprocess finds it again even if an earlier model of the same chain added
 * entities in between.
 *
 * <p>A document without targets (no sentences, no entity of the filtered labels) still takes one
 * filler row, as every document has at least one row in a batch; postprocess ignores it.
 */
public final class ClassifierFeatures implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[][] rowIds;
    private final int[][] rowTypes;
    private final int[] targetRows;
    private final int[] targetIndex;
    private final int[] targetStart;
    private final int[] targetEnd;
    private final String[] targetLabel;

    ClassifierFeatures(
            int[][] rowIds,
            int[][] rowTypes,
            int[] targetRows,
            int[] targetIndex,
            int[] targetStart,
            int[] targetEnd,
            String[] targetLabel) {
        if (rowTypes.length != rowIds.length || rowIds.length == 0) {
            throw new IllegalArgumentException(
                    "Expected at least one row and type ids for each, got "
                            + rowIds.length
                            + " rows and "
                            + rowTypes.length
                            + " type rows");
        }
        this.rowIds = rowIds;
        this.rowTypes = rowTypes;
        this.targetRows = targetRows;
        this.targetIndex = targetIndex;
        this.targetStart = targetStart;
        this.targetEnd = targetEnd;
        this.targetLabel = targetLabel;
    }

    /** Model rows, the filler row of a document without targets included. */
    public int rowCount() {
        return rowIds.length;
    }

    int[] rowIds(int row) {
        return rowIds[row];
    }

    /** Null when the row's type ids are all 0. */
    int[] rowTypes(int row) {
        return rowTypes[row];
    }

    public int targetCount() {
        return targetRows.length;
    }

    int targetRows(int target) {
        return targetRows[target];
    }

    int targetIndex(int target) {
        return targetIndex[target];
    }

    int targetStart(int target) {
        return targetStart[target];
    }

    int targetEnd(int target) {
        return targetEnd[target];
    }

    /** The entity's label; null for the document and sentences. */
    String targetLabel(int target) {
        return targetLabel[target];
    }

    int longestRow() {
        int longest = 0;
        for (int[] row : rowIds) {
            longest = Math.max(longest, row.length);
        }
        return longest;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClassifierFeatures f
                && Arrays.deepEquals(f.rowIds, rowIds)
                && Arrays.deepEquals(f.rowTypes, rowTypes)
                && Arrays.equals(f.targetRows, targetRows)
                && Arrays.equals(f.targetIndex, targetIndex)
                && Arrays.equals(f.targetStart, targetStart)
                && Arrays.equals(f.targetEnd, targetEnd)
                && Arrays.equals(f.targetLabel, targetLabel);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.deepHashCode(rowIds) + Arrays.hashCode(targetStart);
    }

    @Override
    public String toString() {
        return "ClassifierFeatures[rows=" + rowCount() + ", targets=" + targetCount() + "]";
    }
}
