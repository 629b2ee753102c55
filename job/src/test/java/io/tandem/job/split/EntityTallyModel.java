package io.tandem.job.split;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.components.NegationQualifier;
import io.tandem.tensor.TensorMap;
import java.util.List;

/**
 * A second model stage that shows what came before it: the tiny NER model (whose entities overlap
 * the first stage's, so it adds none), then a vector named {@value #NAME} per document holding the
 * number of entities and of negated entities it found on the document. Negated entities are there
 * only if the negation component ran between the stages.
 */
final class EntityTallyModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;
    static final String NAME = "tally";

    EntityTallyModel() {
        super(OnnxTokenClassifier.builder().name(NAME).build());
    }

    @Override
    public void postprocess(
            List<Doc> docs, List<TokenClassifierFeatures> features, TensorMap outputs) {
        super.postprocess(docs, features, outputs);
        for (Doc doc : docs) {
            long negated =
                    doc.entities().stream()
                            .map(Span::attributes)
                            .filter(a -> Boolean.TRUE.equals(a.get(NegationQualifier.ATTRIBUTE)))
                            .count();
            doc.vectors().put(NAME, new float[] {doc.entities().size(), negated});
        }
    }
}
