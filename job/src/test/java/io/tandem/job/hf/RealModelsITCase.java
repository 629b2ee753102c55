package io.tandem.job.hf;

import static io.tandem.job.hf.KnownAnswerRuns.IN_PLACE;
import static io.tandem.job.hf.KnownAnswerRuns.SPLIT;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.hf.TransformerEncoder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real models through the whole job, in both layouts: a token classifier made of the real
 * all-MiniLM-L6-v2 encoder, its real tokenizer.json and a known-answer head ({@link
 * KnownAnswerHead}), over notes longer than one window; and a pipeline of two model components (the
 * tiny NER model, then MiniLM embeddings).
 */
class RealModelsITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_LENGTH = 32;
    private static final int STRIDE = 8;

    @TempDir static Path dir;
    static Path miniLm;
    static Path miniLmNer;
    static KnownAnswerHead.Fitted head;

    @BeforeAll
    static void attachAKnownAnswerHeadToMiniLm() throws Exception {
        miniLm = MiniLmExport.layOut(dir.resolve("minilm"));
        head =
                KnownAnswerHead.fit(
                        miniLm, KnownAnswerNotes.generate(1, 40, 12), MAX_LENGTH, STRIDE);
        miniLmNer = KnownAnswerHead.layOut(miniLm, head, dir.resolve("minilm-ner"));
    }

    private static List<String> run(String name, Path pipeline, String input, String... layout)
            throws Exception {
        return KnownAnswerRuns.run(dir, name, pipeline, input, layout);
    }

    @Test
    void aRealEncoderWithAKnownAnswerHeadFindsEveryEntityAtItsOffsetsInBothLayouts()
            throws Exception {
        assertEquals(0, head.wrongPieces(), "training pieces misclassified of " + head.pieces());
        List<KnownAnswerNotes.Note> notes = KnownAnswerNotes.generate(2, 24, 14);
        Path input =
                KnownAnswerRuns.writeNotes(
                        dir.resolve("notes.jsonl"),
                        notes.stream().map(KnownAnswerNotes.Note::text).toList());
        TransformerEncoder encoder =
                TextEmbedder.builder()
                        .model(miniLm.toString())
                        .maxLength(MAX_LENGTH)
                        .stride(STRIDE)
                        .build()
                        .encoder();
        encoder.open();
        for (KnownAnswerNotes.Note note : notes) {
            assertTrue(encoder.preprocess(note.text()).windowCount() >= 4, note.text());
        }
        encoder.close();
        Path pipeline = dir.resolve("minilm-ner.yaml");
        Files.writeString(
                pipeline,
                "components:\n"
                        + "  - type: ner\n"
                        + "    name: minilm-ner\n"
                        + "    model: "
                        + miniLmNer
                        + "\n    max_length: "
                        + MAX_LENGTH
                        + "\n    stride: "
                        + STRIDE
                        + "\n");

        List<String> inPlace = run("ner-in-place", pipeline, input.toString(), IN_PLACE);
        List<String> split = run("ner-split", pipeline, input.toString(), SPLIT);

        assertEquals(inPlace, split, "line for line");
        int expectedCount = 0;
        for (int i = 0; i < notes.size(); i++) {
            JsonNode doc = JSON.readTree(inPlace.get(i));
            assertEquals("note-" + i, doc.get("id").asText());
            List<KnownAnswerNotes.Expected> found = KnownAnswerNotes.foundByNer(doc);
            assertEquals(notes.get(i).entities(), found, notes.get(i).text());

            expectedCount += found.size();
        }
        assertTrue(expectedCount > 3 * notes.size(), "entities: " + expectedCount);
    }

    @Test
    void aNerModelThenAnEmbedderGiveTheSameOutputInBothLayoutsAsEachModelAlone() throws Exception {
        String embeddings = "  - type: embeddings\n    name: minilm\n    model: " + miniLm + "\n";
        Path both = dir.resolve("both.yaml");
        Files.writeString(both, "components:\n  - type: ner\n" + embeddings);
        Path nerAlone = dir.resolve("ner.yaml");
        Files.writeString(nerAlone, "components:\n  - type: ner\n");
        Path embedderAlone = dir.resolve("embeddings.yaml");
        Files.writeString(embedderAlone, "components:\n" + embeddings);
        String input = "sample:40";

        List<String> chainInPlace = run("chain-in-place", both, input, IN_PLACE);
        List<String> chainSplit = run("chain-split", both, input, SPLIT);
        List<String> ner = run("ner-alone", nerAlone, input, IN_PLACE);
        List<String> embedder = run("embeddings-alone", embedderAlone, input, IN_PLACE);

        assertEquals(chainInPlace, chainSplit, "line for line");
        assertEquals(40, chainInPlace.size());
        int entities = 0;
        for (int i = 0; i < chainInPlace.size(); i++) {
            JsonNode chained = JSON.readTree(chainInPlace.get(i));
            JsonNode nerOnly = JSON.readTree(ner.get(i));
            JsonNode embeddingsOnly = JSON.readTree(embedder.get(i));
            assertEquals(nerOnly.get("entities"), chained.get("entities"), "document " + i);
            entities += chained.get("entities").size();
            float[] vector = floats(chained.get("vectors").get("minilm"));
            assertEquals(384, vector.length);
            assertArrayEquals(
                    floats(embeddingsOnly.get("vectors").get("minilm")), vector, "document " + i);
        }
        assertTrue(entities > 0, "the NER model found entities");
    }

    private static float[] floats(JsonNode array) {
        float[] values = new float[array.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) array.get(i).asDouble();
        }
        return values;
    }
}
