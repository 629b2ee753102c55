package io.tandem.job.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.pipeline.components.NegationQualifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The pipeline model stages were made for, on the real MiniLM encoder with known-answer heads:
 * {@code ner} ({@link KnownAnswerHead}), then rule-based {@code negation} on what it found, then a
 * classifier on those entities ({@value #NEGATED_BY_MODEL}) and one on the document ({@value
 * #NOTE_TOPIC}) ({@link KnownAnswerClassifiers}). Laid out in a folder that the test's JVM and a
 * cluster's JVMs can all read: the exports, the pipeline file and the notes as JSON Lines.
 */
public final class ThreeStagePipeline {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LENGTH = 32;
    private static final int STRIDE = 8;

    /** The entity classifier's name, apart from the rule-based negation's attribute. */
    public static final String NEGATED_BY_MODEL = "negated_by_model";

    public static final String NOTE_TOPIC = "note_topic";

    /** The least probability a known answer may have: the heads were fitted with a margin. */
    private static final double CONFIDENT = 0.8;

    /** The pipeline file, the notes ({@code note-<i>}, one a line) and their answers. */
    public record Fixture(Path pipeline, Path input, List<KnownAnswerClassifiers.Note> notes) {}

    private ThreeStagePipeline() {}

    /** Fits the three heads on MiniLM and writes the fixture under {@code folder}. */
    public static Fixture layOut(Path folder) throws Exception {
        Path miniLm = MiniLmExport.layOut(folder.resolve("minilm"));
        List<KnownAnswerClassifiers.Note> notes = KnownAnswerClassifiers.notes(1, 60);
        KnownAnswerClassifiers.Heads heads =
                KnownAnswerClassifiers.fit(miniLm, folder.resolve("heads"), notes);
        assertEquals(0, heads.wrong()[0], "document head's training errors");
        assertEquals(0, heads.wrong()[2], "entity head's training errors");

        // The NER head learns the classifiers' notes too, so that it finds their entities.
        List<KnownAnswerNotes.Note> nerTraining =
                new ArrayList<>(KnownAnswerNotes.generate(1, 30, 12));
        notes.forEach(
                n ->
                        nerTraining.add(
                                new KnownAnswerNotes.Note(
                                        n.text(), KnownAnswerNotes.expected(n.text()))));
        KnownAnswerHead.Fitted ner = KnownAnswerHead.fit(miniLm, nerTraining, MAX_LENGTH, STRIDE);
        assertEquals(0, ner.wrongPieces(), "NER head's training pieces misclassified");
        Path nerModel = Files.createDirectories(folder.resolve("minilm-ner"));
        Files.write(nerModel.resolve("model.onnx"), ner.onnx());
        Files.copy(miniLm.resolve("tokenizer.json"), nerModel.resolve("tokenizer.json"));
        ObjectNode config = JSON.createObjectNode();
        config.put("model_type", "bert");
        config.put("max_position_embeddings", 512);
        ObjectNode id2label = config.putObject("id2label");
        List<String> labels = KnownAnswerHead.labels();
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
        }
        Files.writeString(nerModel.resolve("config.json"), JSON.writeValueAsString(config));

        Path pipeline = folder.resolve("three-stages.yaml");
        Files.writeString(
                pipeline,
                "components:\n"
                        + "  - type: tokenizer\n"
                        + "  - type: sentences\n"
                        + "  - type: ner\n"
                        + "    model: "
                        + nerModel
                        + "\n    max_length: "
                        + MAX_LENGTH
                        + "\n    stride: "
                        + STRIDE
                        + "\n  - type: negation\n"
                        + "    languages: [en]\n"
                        + KnownAnswerClassifiers.entityClassifier(heads.entities())
                                .replace(
                                        "name: " + NegationQualifier.ATTRIBUTE,
                                        "name: " + NEGATED_BY_MODEL)
                        + "  - type: classifier\n    name: "
                        + NOTE_TOPIC
                        + "\n    on: doc\n    model: "
                        + heads.doc()
                        + "\n");

        // The notes the heads were fitted on: each answer known, by a margin.
        Path input = folder.resolve("notes.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < notes.size(); i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", "note-" + i);
            line.put("text", notes.get(i).text());
            lines.add(JSON.writeValueAsString(line));
        }
        Files.write(input, lines);
        return new Fixture(pipeline, input, notes);
    }

    /**
     * Every note's entities are the ones its text holds, found by {@code ner}; negation and the
     * entity classifier both qualify them as the note's templates say; the document's topic is the
     * note's. Returns a line that sums the answers up.
     */
    public static String assertEveryKnownAnswer(Fixture fixture, List<String> lines)
            throws Exception {
        List<KnownAnswerClassifiers.Note> notes = fixture.notes();
        assertEquals(notes.size(), lines.size());
        int entities = 0;
        int negated = 0;
        int[] topics = new int[KnownAnswerClassifiers.TOPICS.size()];
        for (int i = 0; i < notes.size(); i++) {
            KnownAnswerClassifiers.Note note = notes.get(i);
            JsonNode doc = JSON.readTree(lines.get(i));
            assertEquals("note-" + i, doc.get("id").asText());
            assertEquals(note.topic(), doc.at("/attributes/" + NOTE_TOPIC).asText(), note.text());
            assertConfident(doc.at("/attributes/" + NOTE_TOPIC + "_score"), note.text());
            topics[KnownAnswerClassifiers.TOPICS.indexOf(note.topic())]++;

            List<KnownAnswerNotes.Expected> found = new ArrayList<>();
            JsonNode docEntities = doc.get("entities");
            for (JsonNode e : docEntities) {
                assertEquals("ner", e.get("source").asText(), e.toString());
                found.add(
                        new KnownAnswerNotes.Expected(
                                e.get("start").asInt(),
                                e.get("end").asInt(),
                                e.get("label").asText(),
                                e.get("text").asText()));
            }
            assertEquals(KnownAnswerNotes.expected(note.text()), found, note.text());
            assertEquals(note.negated().size(), found.size(), note.text());
            for (int e = 0; e < found.size(); e++) {
                JsonNode attributes = docEntities.get(e).get("attributes");
                String where = docEntities.get(e) + " in " + note.text();
                boolean expected = note.negated().get(e);
                assertEquals(
                        expected, attributes.get(NegationQualifier.ATTRIBUTE).asBoolean(), where);
                assertTrue(attributes.get(NEGATED_BY_MODEL).isBoolean(), where);
                assertEquals(expected, attributes.get(NEGATED_BY_MODEL).asBoolean(), where);
                assertConfident(attributes.get(NEGATED_BY_MODEL + "_score"), where);
                entities++;
                negated += expected ? 1 : 0;
            }
        }
        assertTrue(negated > 5 && entities - negated > 5, negated + " negated of " + entities);
        StringBuilder summary = new StringBuilder("known answers: " + NOTE_TOPIC);
        for (int t = 0; t < topics.length; t++) {
            summary.append(' ').append(KnownAnswerClassifiers.TOPICS.get(t)).append('=');
            summary.append(topics[t]);
        }
        return summary.append(" of ")
                .append(notes.size())
                .append(" documents; ")
                .append(entities)
                .append(" entities found by ner at their offsets with their labels, ")
                .append(negated)
                .append(" negated by both negation and ")
                .append(NEGATED_BY_MODEL)
                .append(", every score >= ")
                .append(CONFIDENT)
                .toString();
    }

    private static void assertConfident(JsonNode score, String where) {
        assertTrue(score.isNumber() && score.asDouble() >= CONFIDENT, score + " for " + where);
    }
}
