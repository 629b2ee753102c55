package io.tandem.inference;

import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;

/**
 * How much of a padded batch is real: what the batcher reports as tokens and padded tokens.
 *
 * @param rows rows of the batch (sequences, e.g. document windows)
 * @param sequenceLength padded length of every row
 * @param tokens real (unmasked) tokens, special tokens included
 * @param paddedTokens {@code rows * sequenceLength}: tokens the model computes, padding included
 */
public record BatchStats(int rows, int sequenceLength, long tokens, long paddedTokens) {
    public static final String ATTENTION_MASK = "attention_mask";

    public BatchStats {
        if (rows < 0 || sequenceLength < 0 || tokens < 0 || tokens > paddedTokens) {
            throw new IllegalArgumentException(
                    "Inconsistent batch stats: rows="
                            + rows
                            + ", sequenceLength="
                            + sequenceLength
                            + ", tokens="
                            + tokens
                            + ", paddedTokens="
                            + paddedTokens);
        }
    }

    /** Padding positions only: {@code paddedTokens - tokens}. */
    public long paddingTokens() {
        return paddedTokens - tokens;
    }

    /** Share of computed positions that are real, in [0, 1]; 1 for an empty batch. */
    public double fillRatio() {
        return paddedTokens == 0 ? 1.0 : (double) tokens / paddedTokens;
    }

    /** Counts from the batch's 2-D INT64 or INT32 {@value #ATTENTION_MASK} (1 = real token). */
    public static BatchStats fromAttentionMask(TensorMap batch) {
        Tensor mask = batch.get(ATTENTION_MASK);
        if (mask.rank() != 2) {
            throw new IllegalArgumentException(
                    "Tensor '"
                            + ATTENTION_MASK
                            + "' must be [rows, sequence], got "
                            + mask
                            + "; override ModelComponent.batchStats for other inputs");
        }
        long tokens = 0;
        switch (mask.dtype()) {
            case INT64 -> {
                for (long value : mask.longs()) {
                    tokens += value != 0 ? 1 : 0;
                }
            }
            case INT32 -> {
                for (int value : mask.ints()) {
                    tokens += value != 0 ? 1 : 0;
                }
            }
            case FLOAT32 -> {
                for (float value : mask.floats()) {
                    tokens += value != 0 ? 1 : 0;
                }
            }
        }
        int rows = Math.toIntExact(mask.dim(0));
        int sequenceLength = Math.toIntExact(mask.dim(1));
        return new BatchStats(rows, sequenceLength, tokens, (long) rows * sequenceLength);
    }
}
