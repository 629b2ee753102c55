package io.tandem.results;

/** Where on its way a document failed: each dead letter names its stage. */
public enum Stage {
    /** The raw record is not a document (bad JSON, missing id or text, too long, bad UTF-8). */
    PARSE,
    /** A rule-based component threw on the document. */
    COMPONENT,
    /** The model component's preprocessing threw on the document. */
    PREPROCESS,
    /** Collating the document's batch into tensors failed. */
    COLLATE,
    /** The forward pass of the document's batch failed. */
    FORWARD,
    /** The model component's postprocessing threw on the document's batch. */
    POSTPROCESS;

    /** The name written in the dead-letter output: lower case. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
