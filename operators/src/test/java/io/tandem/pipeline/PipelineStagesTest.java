package io.tandem.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.inference.ModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.components.PipelineComponent;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How a pipeline is cut into model stages, and which orders of components it accepts. */
class PipelineStagesTest {
    private static final ModelComponent<?> NER = OnnxTokenClassifier.tiny();
    private static final ModelComponent<?> SECOND =
            OnnxTokenClassifier.builder().name("ner-2").build();

    private static List<String> names(Pipeline pipeline) {
        return pipeline.components().stream().map(PipelineComponent::name).toList();
    }

    @Test
    void ruleComponentsBetweenModelsEndTheEarlierStage() {
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .model(NER)
                        .negation("en")
                        .normalizer()
                        .model(SECOND)
                        .build();

        Pipeline.Stages stages = pipeline.stages();

        assertEquals(List.of("tokenizer", "sentences"), names(stages.before()));
        assertEquals(List.of("ner", "ner-2"), stages.modelNames());
        assertSame(NER, stages.stages().get(0).model());
        assertEquals(List.of("negation", "normalizer"), names(stages.stages().get(0).after()));
        assertSame(SECOND, stages.stages().get(1).model());
        assertEquals(List.of(), names(stages.stages().get(1).after()));
        assertTrue(pipeline.hasModel());
    }

    @Test
    void consecutiveModelsAreOneStageEachByDefaultAndOneChainedStageOnRequest() {
        Pipeline pipeline =
                Pipeline.builder().tokenizer().model(NER).model(SECOND).normalizer().build();

        Pipeline.Stages chained = pipeline.stages(true);
        assertEquals(List.of("ner+ner-2"), chained.modelNames());
        assertInstanceOf(ModelChain.class, chained.stages().get(0).model());
        assertEquals(List.of("normalizer"), names(chained.stages().get(0).after()));

        Pipeline.Stages separate = pipeline.stages();
        assertEquals(List.of("ner", "ner-2"), separate.modelNames());
        assertEquals(List.of(), names(separate.stages().get(0).after()));
        assertEquals(List.of("normalizer"), names(separate.stages().get(1).after()));
    }

    @Test
    void aPipelineWithoutModelHasNoStageAndRunsWhollyBefore() {
        Pipeline pipeline = Pipeline.builder().tokenizer().sentences().build();

        Pipeline.Stages stages = pipeline.stages();

        assertEquals(List.of(), stages.stages());
        assertSame(pipeline, stages.before());
        assertTrue(!pipeline.hasModel());
    }

    @Test
    void aPipelineOfOneStageStillSplitsAroundItsModel() {
        Pipeline.Split split = Pipeline.defaultPipeline().split();

        assertEquals("ner", split.model().name());
        assertEquals(List.of("negation"), names(split.after()));
    }

    @Test
    void splittingAPipelineOfSeveralStagesNamesThemAndPointsToStages() {
        Pipeline pipeline =
                Pipeline.builder().tokenizer().model(NER).normalizer().model(SECOND).build();

        IllegalStateException e = assertThrows(IllegalStateException.class, pipeline::split);

        assertEquals(
                "Pipeline[tokenizer, ner, normalizer, ner-2] has 2 model stages [ner, ner-2],"
                        + " expected one: run it by its stages()",
                e.getMessage());
    }

    @Test
    void modelNamesMustStayUniqueAcrossStages() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Pipeline.builder()
                                        .tokenizer()
                                        .model(NER)
                                        .normalizer()
                                        .model(NER)
                                        .build());

        assertEquals(
                "Model component name 'ner' (position 3) is used twice: give each model its own"
                        + " 'name'",
                e.getMessage());
    }

    @Test
    void aRuleComponentBetweenModelsStillNeedsItsPrerequisites() {
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                Pipeline.builder()
                                        .model(NER)
                                        .tokenizer()
                                        .negation("en")
                                        .model(SECOND)
                                        .build());

        assertEquals(
                "Component 'negation' (position 2) needs sentences: put 'sentences' before it",
                e.getMessage());
    }
}
