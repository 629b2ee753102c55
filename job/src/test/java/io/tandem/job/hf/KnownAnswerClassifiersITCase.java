package io.tandem.job.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.job.cli.TandemCli;
import io.tandem.models.SequenceHead;
import io.tandem.pipeline.components.NegationQualifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Classifiers on the real all-MiniLM-L6-v2 encoder with known-answer heads ({@link
 * KnownAnswerClassifiers}) through the whole job, in both layouts: the entity, sentence and
 * document heads in one pipeline after rule components, every label as the head's rule says; and
 * the same classifiers after {@code ner}, each model a stage of its own.
 */
class KnownAnswerClassifiersITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String[] IN_PLACE = {"--cpu-workers", "1", "--gpu-workers", "0"};
    private static final String[] SPLIT = {"--cpu-workers", "1", "--gpu-workers", "1"};

    /** The least probability a known answer may have: the heads were fitted with a margin. */
    private static final double CONFIDENT = 0.8;

    @TempDir static Path dir;
    static Path miniLm;
    static KnownAnswerClassifiers.Heads heads;

    @BeforeAll
    static void fitTheHeadsOnMiniLm() throws Exception {
        miniLm = MiniLmExport.layOut(dir.resolve("minilm"));
        heads =
                KnownAnswerClassifiers.fit(
                        miniLm, dir.resolve("heads"), KnownAnswerClassifiers.notes(1, 60));
    }

    private static List<String> run(String name, Path pipeline, Path input, String... layout)
            throws Exception {
        Path out = dir.resolve(name + ".jsonl");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--input",
                                input.toString(),
                                "--output",
                                out.toString(),
                                "--pipeline",
                                pipeline.toString(),
                                "--no-progress",
                                "--batch-size",
                                "8 docs",
                                "--max-batch-delay",
                                "1h"));
        args.addAll(List.of(layout));
        assertEquals(0, TandemCli.execute(args.toArray(String[]::new)), name);
        assertEquals(
                0, Files.size(dir.resolve(name + ".dead-letter.jsonl")), name + " dead letters");
        return Files.readAllLines(out);
    }

    @Test
    void theDocumentSentenceAndEntityHeadsAnswerAsTheirRulesSayInBothLayouts() throws Exception {
        assertArrayEquals(
                new int[] {0, 0, 0},
                heads.wrong(),
                "training targets misclassified (doc, sentences, entities) of "
                        + java.util.Arrays.toString(heads.targets()));
        List<KnownAnswerClassifiers.Note> notes = KnownAnswerClassifiers.notes(2, 30);
        Path input = dir.resolve("notes.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < notes.size(); i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", "note-" + i);
            line.put("text", notes.get(i).text());
            lines.add(JSON.writeValueAsString(line));
        }
        Files.write(input, lines);
        Path pipeline = dir.resolve("classifiers.yaml");
        Files.writeString(pipeline, KnownAnswerClassifiers.pipelineYaml(heads));

        List<String> inPlace = run("in-place", pipeline, input, IN_PLACE);
        List<String> split = run("split", pipeline, input, SPLIT);

        assertEquals(inPlace, split, "line for line");
        int entities = 0;
        int negated = 0;
        for (int i = 0; i < notes.size(); i++) {
            KnownAnswerClassifiers.Note note = notes.get(i);
            JsonNode doc = JSON.readTree(inPlace.get(i));
            assertEquals("note-" + i, doc.get("id").asText());
            assertEquals(note.topic(), doc.at("/attributes/note_topic").asText(), note.text());
            assertConfident(doc.at("/attributes/note_topic_score"), note.text());

            JsonNode sentences = doc.get("sentences");
            assertEquals(note.sentenceTopics().size(), sentences.size(), note.text());
            for (int s = 0; s < sentences.size(); s++) {
                JsonNode sentence = sentences.get(s);
                String text =
                        note.text()
                                .substring(
                                        sentence.get("start").asInt(), sentence.get("end").asInt());
                assertEquals(note.sentenceTopics().get(s), KnownAnswerClassifiers.topicOf(text));
                assertEquals(
                        note.sentenceTopics().get(s),
                        sentence.at("/attributes/topic").asText(),
                        text);
                assertConfident(sentence.at("/attributes/topic_score"), text);
            }

            JsonNode found = doc.get("entities");
            assertEquals(note.negated().size(), found.size(), note.text());
            for (int e = 0; e < found.size(); e++) {
                JsonNode attributes = found.get(e).get("attributes");
                assertEquals(
                        note.negated().get(e),
                        attributes.get(NegationQualifier.ATTRIBUTE).asBoolean(),
                        found.get(e) + " in " + note.text());
                assertTrue(attributes.get(NegationQualifier.ATTRIBUTE).isBoolean());
                assertConfident(
                        attributes.get(NegationQualifier.ATTRIBUTE + "_score"), note.text());
                entities++;
                negated += note.negated().get(e) ? 1 : 0;
            }
        }
        assertTrue(negated > 5 && entities - negated > 5, negated + " negated of " + entities);
    }

    @Test
    void afterNerTheClassifiersAnswerAsAloneAndAlsoQualifyNerEntitiesInBothLayouts()
            throws Exception {
        String classifiers =
                KnownAnswerClassifiers.pipelineYaml(heads)
                        .substring(("components:\n" + KnownAnswerClassifiers.RULES).length());
        Path alone = dir.resolve("alone.yaml");
        Files.writeString(alone, KnownAnswerClassifiers.pipelineYaml(heads));
        Path afterNer = dir.resolve("after-ner.yaml");
        Files.writeString(
                afterNer,
                "components:\n" + KnownAnswerClassifiers.RULES + "  - type: ner\n" + classifiers);
        Path input = dir.resolve("sample.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            io.tandem.doc.Doc doc = new io.tandem.sample.SampleCorpus().generate(i).toDoc();
            ObjectNode line = JSON.createObjectNode();
            line.put("id", doc.id());
            line.put("text", doc.text());
            lines.add(JSON.writeValueAsString(line));
        }
        Files.write(input, lines);

        List<String> classifiersAlone = run("alone", alone, input, IN_PLACE);
        List<String> stagesInPlace = run("after-ner-in-place", afterNer, input, IN_PLACE);
        List<String> stagesSplit = run("after-ner-split", afterNer, input, SPLIT);

        assertEquals(stagesInPlace, stagesSplit, "line for line");
        int nerEntities = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode staged = JSON.readTree(stagesInPlace.get(i));
            JsonNode expected = JSON.readTree(classifiersAlone.get(i));
            assertEquals(expected.get("attributes"), staged.get("attributes"), "document " + i);
            assertEquals(expected.get("sentences"), staged.get("sentences"), "document " + i);
            List<JsonNode> ruleEntities = new ArrayList<>();
            for (JsonNode entity : staged.get("entities")) {
                if (entity.get("source").asText().equals("ner")) {
                    // Each model is a stage of its own: the classifier sees ner's entities.
                    assertTrue(
                            entity.get("attributes").has(NegationQualifier.ATTRIBUTE),
                            entity.toString());
                    nerEntities++;
                } else {
                    ruleEntities.add(entity);
                }
            }
            assertEquals(JSON.valueToTree(ruleEntities), expected.get("entities"), "document " + i);
        }
        assertTrue(nerEntities > 0, "ner found entities");
    }

    private static void assertConfident(JsonNode score, String where) {
        assertTrue(score.isNumber() && score.asDouble() >= CONFIDENT, score + " for " + where);
    }

    @Test
    void aMarkerTheTokenizerSplitsIsRefusedWithExitTwo() throws Exception {
        // MiniLM's own tokenizer splits "[E]" into "[", "e", "]".
        Path noMarkers =
                KnownAnswerClassifiers.layOut(
                        miniLm,
                        dir.resolve("no-markers"),
                        SequenceHead.attach(
                                MiniLmExport.onnxBytes(),
                                MiniLmExport.HIDDEN,
                                SequenceHead.Pooling.MEAN,
                                new float[MiniLmExport.HIDDEN * 2],
                                new float[2]),
                        List.of("false", "true"),
                        false);
        Path pipeline = dir.resolve("bad-markers.yaml");
        Files.writeString(
                pipeline,
                "components:\n"
                        + KnownAnswerClassifiers.RULES
                        + KnownAnswerClassifiers.entityClassifier(noMarkers));
        assertEquals(
                TandemCli.EXIT_USAGE,
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:1",
                        "--output",
                        dir.resolve("bad.jsonl").toString(),
                        "--pipeline",
                        pipeline.toString(),
                        "--no-progress"));
    }
}
