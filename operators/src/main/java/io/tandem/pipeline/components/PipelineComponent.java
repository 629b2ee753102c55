package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import java.io.Serializable;

/**
 * One step of an NLP pipeline run in the CPU task set. Components are built on the client, shipped
 * to the task managers serialized, then {@link #open()}ed once per subtask before the first
 * document.
 */
public interface PipelineComponent extends Serializable {

    /** The component's name in the pipeline configuration (for example {@code "tokenizer"}). */
    String name();

    /** Loads resources (dictionaries, compiled patterns). Called once per subtask. */
    default void open() {}

    /** Annotates the document in place. Must not change the document's text. */
    void process(Doc doc);
}
