package io.tandem.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The public behaviour of {@link SampleCorpus}: determinism, shares, lengths, JSON, CLI spec. */
class SampleCorpusTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sameSeedAndIndexGiveTheSameDocumentWhateverTheCallOrder() {
        int count = 300;
        SampleCorpus forward = new SampleCorpus();
        List<SampleDoc> inOrder = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            inOrder.add(forward.generate(i));
        }

        SampleCorpus backward = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
        for (int i = count - 1; i >= 0; i--) {
            assertEquals(inOrder.get(i), backward.generate(i), "index " + i);
        }

        List<Integer> shuffled = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            shuffled.add(i);
        }
        Collections.shuffle(shuffled, new Random(7));
        SampleCorpus shuffledCorpus = new SampleCorpus();
        for (int i : shuffled) {
            assertEquals(inOrder.get(i), shuffledCorpus.generate(i), "index " + i);
        }

        List<SampleDoc> parallel =
                LongStream.range(0, count).parallel().mapToObj(forward::generate).toList();
        assertEquals(inOrder, parallel);
    }

    @Test
    void indexAndSeedChangeTheDocument() {
        SampleCorpus corpus = new SampleCorpus();
        SampleCorpus otherSeed = new SampleCorpus(SampleCorpus.DEFAULT_SEED + 1);
        int count = 2000;
        Set<String> texts = new HashSet<>();
        int sameAcrossSeeds = 0;
        for (int i = 0; i < count; i++) {
            SampleDoc doc = corpus.generate(i);
            assertEquals("sample-" + i, doc.id());
            assertEquals(i, doc.index());
            texts.add(doc.text());
            if (doc.text().equals(otherSeed.generate(i).text())) {
                sameAcrossSeeds++;
            }
        }
        // The shortest notes (a dozen words) can coincide by chance; anything beyond that would
        // mean correlated per-document streams.
        assertTrue(texts.size() >= count * 0.99, "distinct texts: " + texts.size());
        assertTrue(sameAcrossSeeds <= count * 0.01, "same across seeds: " + sameAcrossSeeds);
        assertNotEquals(corpus.generate(0).text(), corpus.generate(1).text());
    }

    @Test
    void englishIsAboutSixtyPercentAndFrenchTheRest() {
        SampleCorpus corpus = new SampleCorpus();
        int count = 5000;
        int english = 0;
        for (int i = 0; i < count; i++) {
            String language = corpus.generate(i).language();
            assertTrue(language.equals("en") || language.equals("fr"), language);
            if (language.equals("en")) {
                english++;
            }
        }
        double share = english / (double) count;
        assertTrue(share > 0.57 && share < 0.63, "English share " + share);
    }

    @Test
    void lengthsAreHeavyTailedAndCapped() {
        SampleCorpus corpus = new SampleCorpus();
        int count = 20_000;
        int[] words = new int[count];
        for (int i = 0; i < count; i++) {
            words[i] = corpus.generate(i).wordCount();
        }
        int[] sorted = words.clone();
        Arrays.sort(sorted);
        int median = sorted[count / 2];
        long overTwoThousand = Arrays.stream(words).filter(w -> w > 2000).count();
        double longShare = overTwoThousand / (double) count;

        assertTrue(median >= 40 && median <= 120, "median " + median);
        assertTrue(longShare >= 0.005 && longShare <= 0.05, "share over 2,000 words " + longShare);
        assertTrue(sorted[count - 1] <= SampleCorpus.MAX_WORDS, "max " + sorted[count - 1]);
        assertTrue(sorted[0] >= 8, "min " + sorted[0]);
    }

    @Test
    void jsonLinesParseBackToTheGeneratedDocuments(@TempDir Path dir) throws IOException {
        SampleCorpus corpus = new SampleCorpus();
        Path file = dir.resolve("sample.jsonl");
        int count = 300;
        corpus.writeJsonLines(file, count);

        String content = Files.readString(file, StandardCharsets.UTF_8);
        assertTrue(content.endsWith("\n"));
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        assertEquals(count, lines.size());
        for (int i = 0; i < count; i++) {
            SampleDoc doc = corpus.generate(i);
            assertEquals(doc.toJsonLine(), lines.get(i));
            JsonNode json = JSON.readTree(lines.get(i));
            assertEquals(Set.of("id", "text", "meta"), fieldNames(json));
            assertEquals(doc.id(), json.get("id").asText());
            assertEquals(doc.text(), json.get("text").asText());
            assertEquals(doc.language(), json.get("meta").get("lang").asText());
            assertEquals(i, json.get("meta").get("sample_index").asLong());
            assertEquals(JSON.readTree(doc.metaJson()), json.get("meta"));
        }
    }

    @Test
    void toJsonLineIsOneLineWithoutTrailingNewline() throws IOException {
        SampleDoc doc = new SampleCorpus().generate(17);
        String line = doc.toJsonLine();
        assertFalse(line.contains("\n"), line);
        assertTrue(doc.text().contains("\n"), "notes have sections on separate lines");
        assertEquals("{\"lang\":\"" + doc.language() + "\",\"sample_index\":17}", doc.metaJson());
        assertEquals(doc.text(), JSON.readTree(line).get("text").asText());
    }

    @Test
    void parseSpecReturnsTheCount() {
        assertEquals(2000, SampleCorpus.parseSpec("sample:2000"));
        assertEquals(1, SampleCorpus.parseSpec("sample:1"));
        assertTrue(SampleCorpus.isSpec("sample:10"));
        assertFalse(SampleCorpus.isSpec("notes.jsonl"));
        assertFalse(SampleCorpus.isSpec(null));
    }

    @Test
    void parseSpecRejectsAnythingButAPositiveInteger() {
        for (String spec :
                List.of(
                        "sample:",
                        "sample:-3",
                        "sample:abc",
                        "sample:1e3",
                        "sample:0",
                        "sample: 5",
                        "sample:99999999999999999999",
                        "notes.jsonl")) {
            IllegalArgumentException e =
                    assertThrows(
                            IllegalArgumentException.class, () -> SampleCorpus.parseSpec(spec));
            assertEquals(
                    "Invalid sample input '"
                            + spec
                            + "': expected sample:N with N a positive integer, e.g. sample:2000",
                    e.getMessage());
        }
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> SampleCorpus.parseSpec(null));
        assertEquals(
                "Invalid sample input null: expected sample:N with N a positive integer, e.g."
                        + " sample:2000",
                e.getMessage());
    }

    @Test
    void rejectsNegativeIndexAndCount(@TempDir Path dir) {
        SampleCorpus corpus = new SampleCorpus();
        assertThrows(IllegalArgumentException.class, () -> corpus.generate(-1));
        assertThrows(
                IllegalArgumentException.class,
                () -> corpus.writeJsonLines(dir.resolve("x.jsonl"), -1));
    }

    @Test
    void survivesJavaSerializationForFlinkSources() throws Exception {
        SampleCorpus corpus = new SampleCorpus(42);
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(corpus);
        }
        SampleCorpus copy;
        try (ObjectInputStream in =
                new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            copy = (SampleCorpus) in.readObject();
        }
        assertEquals(42, copy.seed());
        assertEquals(corpus.generate(123), copy.generate(123));
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
