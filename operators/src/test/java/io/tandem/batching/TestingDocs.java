package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.inference.ModelComponent;
import io.tandem.pipeline.Pipeline;
import io.tandem.results.DeadLetters;
import java.io.Serializable;

/**
 * Documents as they reach the batcher (the default pipeline's components before the model have run
 * on them), and the finisher that runs the components after the model: what the operator tests feed
 * the batchers and the join.
 */
public final class TestingDocs {
    private static final Pipeline.Split SPLIT = Pipeline.defaultPipeline().split();

    private TestingDocs() {}

    /**
     * A note of {@code words} words (at least 2) mentioning a drug, as it reaches the batcher; the
     * batchers sort by word count, so tests choose the order batching puts documents in.
     */
    public static Doc doc(String id, long seq, int words) {
        if (words < 2) {
            throw new IllegalArgumentException("A test note has at least 2 words, got " + words);
        }
        StringBuilder text = new StringBuilder("takes aspirin");
        for (int i = 2; i < words; i++) {
            text.append(" daily");
        }
        Doc doc = new Doc(id, text.toString(), seq, null, null);
        SPLIT.before().process(doc);
        if (doc.wordCount() != words) {
            throw new IllegalStateException(
                    "Note " + id + " has " + doc.wordCount() + " words, expected " + words);
        }
        return doc;
    }

    /** The default pipeline's components after the model, around {@code model}. */
    public static <F extends Serializable> DocFinisher<F> finisher(ModelComponent<F> model) {
        return new DocFinisher<>(model, SPLIT.after(), new DeadLetters(1024));
    }
}
