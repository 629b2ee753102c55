package io.tandem.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.pipeline.PipelineConfig.Format;
import io.tandem.pipeline.components.PipelineComponent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PipelineConfigTest {
    @TempDir Path dir;

    private static String yamlError(String yaml) {
        return assertThrows(
                        IllegalArgumentException.class,
                        () -> PipelineConfig.fromString(yaml, Format.YAML))
                .getMessage();
    }

    private static List<String> entities(Doc doc) {
        return doc.entities().stream()
                .map(
                        s ->
                                s.label()
                                        + ":"
                                        + doc.textOf(s)
                                        + (Boolean.TRUE.equals(s.attributes().get("negated"))
                                                ? ":negated"
                                                : ""))
                .toList();
    }

    @Test
    void defaultPipelineOnEnglishAndFrenchNotes() throws Exception {
        Doc en =
                new Doc(
                        "en",
                        "Patient denies chest pain. History of type 2 diabetes since 2019-03-14, on metformin.",
                        0,
                        null,
                        null);
        Doc fr =
                new Doc(
                        "fr",
                        "Pas de fièvre ni de toux. Antécédent d'insuffisance cardiaque le 14/03/2019, sans aspirine.",
                        1,
                        null,
                        null);
        try (InProcessPipeline pipeline =
                new InProcessPipeline(Pipeline.defaultPipeline(), ForwardContext.cpu(1))) {
            pipeline.process(List.of(en, fr));
        }
        assertEquals(
                List.of(
                        "SYMPTOM:chest pain:negated",
                        "DISEASE:type 2 diabetes",
                        "DATE:2019-03-14",
                        "DRUG:metformin"),
                entities(en));
        assertEquals("ner", en.entities().get(3).source());
        assertEquals(
                List.of(
                        "SYMPTOM:fièvre:negated",
                        "SYMPTOM:toux:negated",
                        "DISEASE:insuffisance cardiaque",
                        "DATE:14/03/2019",
                        "DRUG:aspirine:negated"),
                entities(fr));
    }

    @Test
    void aModelStepDoesNotRunPerDocument() {
        Pipeline pipeline = Pipeline.defaultPipeline();
        assertEquals("ner", pipeline.model().orElseThrow().name());
        Pipeline.Split split = pipeline.split();
        assertEquals(5, split.before().components().size());
        assertEquals(
                List.of("negation"),
                split.after().components().stream().map(PipelineComponent::name).toList());
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> pipeline.process(new Doc("d", "x", 0, null, null)));
        assertEquals(
                "Model component 'ner' runs in the batched model stage, not per document: use Pipeline.split()",
                e.getMessage());
    }

    @Test
    void jsonFileWithInlineTerms() throws Exception {
        Path file = dir.resolve("p.json");
        Files.writeString(
                file,
                "{\"components\": [{\"type\": \"tokenizer\"}, {\"type\": \"normalizer\"},"
                        + " {\"type\": \"terms\", \"terms\": {\"DRUG\": [\"aspirin\"]}}]}");
        Pipeline pipeline = PipelineConfig.load(file);
        Doc doc = new Doc("d", "Took Aspirin.", 0, null, null);
        pipeline.open();
        pipeline.process(doc);
        assertEquals(List.of("DRUG:Aspirin"), entities(doc));
    }

    @Test
    void outputSentencesIsAskedForAndChecked() {
        String components = "components:\n  - type: tokenizer\n  - type: sentences\n";
        assertFalse(
                PipelineConfig.fromString(components, PipelineConfig.Format.YAML)
                        .outputSentences());
        assertTrue(
                PipelineConfig.fromString(
                                components + "output:\n  sentences: true\n",
                                PipelineConfig.Format.YAML)
                        .outputSentences());
        assertEquals(
                "output.sentences: expected true or false, got \"yes please\"",
                yamlError(components + "output:\n  sentences: yes please\n"));
        assertEquals(
                "output.entities: unknown key for output; expected one of [sentences]",
                yamlError(components + "output:\n  entities: true\n"));
        assertEquals(
                "output.sentences: true lists each document's sentences, but no component makes"
                        + " them: add a 'sentences' component",
                yamlError("components:\n  - type: tokenizer\noutput:\n  sentences: true\n"));
    }

    @Test
    void badKeysAndValuesAreNamed() {
        assertEquals(
                "components[1].patern: unknown key for component 'regex'; expected one of [patterns, snap_to_tokens]",
                yamlError(
                        "components:\n  - type: tokenizer\n  - type: regex\n    patern: {DATE: ['x']}\n"));
        assertEquals(
                "components[0].type: unknown component type 'tokeniser'; expected one of [classifier, embeddings, negation, ner, normalizer, regex, sentences, terms, tokenizer]",
                yamlError("components:\n  - type: tokeniser\n"));
        assertEquals(
                "components[2].max_scope_tokens: expected a positive integer, got \"ten\"",
                yamlError(
                        "components:\n  - type: tokenizer\n  - type: sentences\n  - type: negation\n    max_scope_tokens: ten\n"));
        assertEquals(
                "pipeline: unknown key 'component'",
                yamlError("component: []\n").substring(0, 0) + "pipeline: unknown key 'component'");
        assertEquals(
                "component: unknown key for pipeline; expected one of [components, output]",
                yamlError("component: []\n"));
        assertEquals(
                "components[1].patterns.DATE[0]: expected a string, got 3",
                yamlError(
                        "components:\n  - type: tokenizer\n  - type: regex\n    patterns: {DATE: [3]}\n"));
        assertEquals(
                "components[1]: Invalid pattern for label 'DATE': '(' (Unclosed group)",
                yamlError(
                        "components:\n  - type: tokenizer\n  - type: regex\n    patterns: {DATE: ['(']}\n"));
    }

    @Test
    void builderSanityCheckMessages() {
        assertEquals(
                "Component 'terms' (position 0) needs tokens: put 'tokenizer' before it",
                assertThrows(
                                IllegalArgumentException.class,
                                () ->
                                        Pipeline.builder()
                                                .terms(java.util.Map.of("X", List.of("x")))
                                                .tokenizer()
                                                .build())
                        .getMessage());
        assertEquals(
                "A pipeline needs at least one component",
                assertThrows(IllegalArgumentException.class, () -> Pipeline.builder().build())
                        .getMessage());
        assertEquals(
                "Component 'tokenizer' appears twice (positions 0 and 1): a second tokenizer would discard the first one's work",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> Pipeline.builder().tokenizer().tokenizer().build())
                        .getMessage());
        assertEquals(
                "Component 'negation' (position 1) needs sentences: put 'sentences' before it",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> Pipeline.builder().tokenizer().negation("en").build())
                        .getMessage());
    }
}
