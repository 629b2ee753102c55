package io.tandem.inference;

import io.tandem.doc.Doc;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.List;

/**
 * A deep-learning pipeline component split along edsnlp's multiprocessing backend: the CPU task set
 * calls {@link #preprocess}, {@link #collate} and {@link #postprocess}; only the subtask that runs
 * the model calls {@link #openForward}. Only {@link TensorMap}s travel between the two, so
 * documents never leave the CPU side.
 *
 * <p>Components are built on the client and shipped serialized; they must not hold loaded weights
 * before {@link #openForward}.
 *
 * @param <F> per-document features computed by preprocess and kept on the CPU side until
 *     postprocess
 */
public interface ModelComponent<F extends Serializable> extends Serializable {

    /** The component's name in the pipeline configuration. */
    String name();

    /**
     * Loads what preprocessing, collation and postprocessing need (a vocabulary, labels), in the
     * operator's {@code open()}: a missing or bad file then fails the job at start-up instead of
     * turning every document into a dead letter. Idempotent.
     */
    default void open() throws Exception {}

    /** Computes one document's features (for example word pieces and windows). */
    F preprocess(Doc doc);

    /** Turns the features of a batch of documents into model inputs. */
    TensorMap collate(List<F> features);

    /** Loads the weights and returns a runner; called only where forward passes run. */
    ForwardRunner openForward(ForwardContext context) throws Exception;

    /**
     * Writes the model's outputs for a batch back into its documents: {@code docs.get(i)} is the
     * document {@code features.get(i)} came from, and {@code outputs} answers {@code
     * collate(features)}.
     */
    void postprocess(List<Doc> docs, List<F> features, TensorMap outputs);

    /**
     * How many rows of the batch axis a document's features take in {@code collate}'s tensors and
     * in the outputs (its windows): a failing batch can then be split between documents.
     */
    default int rowsOf(F features) {
        return 1;
    }

    /**
     * Token counts of a collated batch for metrics. The default reads a 2-D {@code attention_mask};
     * components whose inputs have none override it.
     */
    default BatchStats batchStats(TensorMap batch) {
        return BatchStats.fromAttentionMask(batch);
    }
}
