package io.tandem.batching;

import static io.tandem.results.TestingResults.deadLetterIds;
import static io.tandem.results.TestingResults.deadLetterPlaces;
import static io.tandem.results.TestingResults.deadLetterReasons;
import static io.tandem.results.TestingResults.ids;
import static io.tandem.results.TestingResults.outputDocs;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.inference.FailingPostprocess;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.ModelChain;
import io.tandem.results.Result;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.junit.jupiter.api.Test;

/**
 * A postprocess that fails for one document of a batch, after changing every document of the
 * failing range, costs only that document: the others come out exactly as in a healthy run, the
 * rule-based entities the model's merge moved included. Also when the failing model is the second
 * of a chain, whose first model already wrote its entities.
 */
class DocFinisherTest {
    /** The notes as one batch through {@code model} and the finisher, outputs from ONNX Runtime. */
    private static <F extends Serializable> List<StreamRecord<Result>> finish(
            ModelComponent<F> model) throws Exception {
        DocFinisher<F> finisher = TestingDocs.finisher(model);
        finisher.open(null);
        List<Doc> docs = TestingDocs.drugNotes();
        List<F> features = new ArrayList<>();
        docs.forEach(doc -> features.add(model.preprocess(doc)));
        try (ForwardRunner runner = model.openForward(ForwardContext.cpu(1))) {
            List<Result> results =
                    finisher.finish(
                            docs,
                            features,
                            runner.forward(model.collate(features)),
                            List.of(),
                            0,
                            ForwardContext.NO_GPU);
            return results.stream().map(StreamRecord::new).toList();
        } finally {
            model.close();
        }
    }

    private static OnnxTokenClassifier tiny(String name) {
        return OnnxTokenClassifier.builder().name(name).build();
    }

    @Test
    void aFailedPostprocessCostsOnlyItsDocumentAndLeavesTheOthersAsInAHealthyRun()
            throws Exception {
        List<StreamRecord<Result>> healthy = finish(tiny("ner"));
        Doc aspirin = outputDocs(healthy).get(0);
        assertEquals(
                List.of("ner", "terms"),
                aspirin.entities().stream().map(Span::source).toList(),
                "the model's entity is sorted before the rule-based one");

        List<StreamRecord<Result>> failed =
                finish(FailingPostprocess.of(tiny("ner"), TestingDocs.POISON));

        assertEquals(List.of("aspirin", TestingDocs.POISON, "insulin", "lisinopril"), ids(failed));
        assertEquals(List.of(TestingDocs.POISON), deadLetterIds(failed));
        assertEquals(
                List.of(FailingPostprocess.failure(TestingDocs.POISON)), deadLetterReasons(failed));
        assertEquals(List.of("postprocess in ner, batch 0, device -1"), deadLetterPlaces(failed));
        assertEquals(
                TestingDocs.describedWithout(TestingDocs.POISON, healthy),
                TestingDocs.described(failed));
    }

    @Test
    void aFailedPostprocessOfTheSecondModelOfAChainAlsoUndoesWhatTheFirstWrote() throws Exception {
        List<StreamRecord<Result>> healthy =
                finish(new ModelChain(List.of(tiny("ner"), tiny("ner2"))));

        List<StreamRecord<Result>> failed =
                finish(
                        new ModelChain(
                                List.of(
                                        tiny("ner"),
                                        FailingPostprocess.of(tiny("ner2"), TestingDocs.POISON))));

        assertEquals(List.of(TestingDocs.POISON), deadLetterIds(failed));
        assertEquals(
                List.of("postprocess in ner+ner2, batch 0, device -1"), deadLetterPlaces(failed));
        assertEquals(
                TestingDocs.describedWithout(TestingDocs.POISON, healthy),
                TestingDocs.described(failed));
    }
}
