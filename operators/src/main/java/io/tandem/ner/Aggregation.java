package io.tandem.ner;

import io.tandem.inference.ComponentOption;

/**
 * How a word made of several pieces gets its label, as in the Hugging Face token-classification
 * pipeline: {@link #FIRST} takes its first piece's, {@link #AVERAGE} averages the pieces'
 * probabilities, {@link #MAX} takes the label of its most confident piece.
 */
public enum Aggregation {
    FIRST,
    AVERAGE,
    MAX;

    /** {@code first}, {@code average} or {@code max}. */
    public static Aggregation parse(String name) {
        return ComponentOption.parse(Aggregation.class, "aggregation", name);
    }
}
