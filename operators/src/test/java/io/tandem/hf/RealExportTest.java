package io.tandem.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.tandem.doc.Doc;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.inference.BucketedForward;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelLocation;
import io.tandem.models.TinyModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.InProcessPipeline;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Hugging Face export that no one here wrote: all-MiniLM-L6-v2 (quantized), as LangChain4j
 * packages it on Maven Central (test scope only). Its jar holds the ONNX graph and tokenizer.json;
 * the test lays them out as an export folder with the config.json the export would have.
 */
class RealExportTest {
    static final String MINILM_ONNX = "all-minilm-l6-v2-q.onnx";
    static final String MINILM_TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
    static final String MINILM_CONFIG =
            "{\"model_type\": \"bert\", \"hidden_size\": 384, \"max_position_embeddings\": 512}";

    @TempDir static Path folder;
    static Path miniLm;

    @BeforeAll
    static void layOutTheExport() throws IOException {
        miniLm = miniLmExport(folder.resolve("minilm"));
    }

    /** Copies MiniLM out of LangChain4j's jar into {@code target} as an export folder. */
    static Path miniLmExport(Path target) throws IOException {
        Files.createDirectories(target);
        copyResource(MINILM_ONNX, target.resolve("model.onnx"));
        copyResource(MINILM_TOKENIZER, target.resolve("tokenizer.json"));
        Files.writeString(target.resolve("config.json"), MINILM_CONFIG);
        return target;
    }

    private static void copyResource(String resource, Path file) throws IOException {
        try (InputStream in = RealExportTest.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IOException("Resource " + resource + " missing from the test classpath");
            }
            Files.copy(in, file);
        }
    }

    @Test
    void miniLmEmbeddingsEqualLangChain4jsOwnOnEverySampleDocumentThatFitsOneWindow()
            throws Exception {
        // 128: the export's tokenizer.json truncates there, so LangChain4j sees only that much.
        TextEmbedder embedder =
                TextEmbedder.builder().model(miniLm.toString()).maxLength(128).build();
        assertEquals(
                List.of("input_ids", "attention_mask", "token_type_ids"),
                embedder.encoder().inputNames());
        AllMiniLmL6V2QuantizedEmbeddingModel reference = new AllMiniLmL6V2QuantizedEmbeddingModel();
        SampleCorpus corpus = new SampleCorpus();
        List<Doc> docs = new ArrayList<>();
        for (int i = 0; docs.size() < 24; i++) {
            Doc doc = corpus.generate(i).toDoc();
            if (embedder.preprocess(doc).windowCount() == 1) {
                docs.add(doc);
            }
        }
        List<Doc> batched = new ArrayList<>();
        docs.forEach(d -> batched.add(new Doc(d.id(), d.text(), d.seq(), null, null)));
        double worst = 1;
        double worstBatched = 1;
        try (InProcessPipeline pipeline =
                new InProcessPipeline(
                        Pipeline.builder().model(embedder).build(), ForwardContext.cpu(1))) {
            // One by one, as LangChain4j embeds: this export quantizes its activations with a
            // scale computed over the whole batch, so a batch's other rows move the results.
            for (Doc doc : docs) {
                pipeline.process(doc);
            }
            pipeline.process(batched);
        }
        for (int i = 0; i < docs.size(); i++) {
            Doc doc = docs.get(i);
            float[] ours = doc.vectors().get("embeddings");
            float[] theirs = reference.embed(doc.text()).content().vector();
            assertEquals(384, ours.length);
            double cosine = cosine(ours, theirs);
            worst = Math.min(worst, cosine);
            assertTrue(cosine >= 0.999, doc.id() + ": cosine " + cosine);
            double inBatch = cosine(batched.get(i).vectors().get("embeddings"), theirs);
            worstBatched = Math.min(worstBatched, inBatch);
            assertTrue(inBatch >= 0.98, doc.id() + " in a batch: cosine " + inBatch);
        }
        System.out.printf(
                "MiniLM through Tandem vs LangChain4j: %d documents, lowest cosine %.6f one by"
                        + " one, %.6f in one batch of %d%n",
                docs.size(), worst, worstBatched, docs.size());
    }

    @Test
    void aNerModelAndAnEmbedderRunAsOneChainWithTheResultsOfEachAlone() throws Exception {
        OnnxTokenClassifier ner = OnnxTokenClassifier.tiny();
        TextEmbedder embedder =
                TextEmbedder.builder().model(miniLm.toString()).name("minilm").build();
        Pipeline both =
                Pipeline.builder()
                        .model(new io.tandem.pipeline.ModelChain(List.of(ner, embedder)))
                        .build();
        assertEquals(
                List.of("ner", "minilm"),
                Pipeline.builder().model(ner).model(embedder).build().stages().modelNames(),
                "a stage each unless chained");
        String text = "Started metformin 500 mg and aspirin. 😀 Ça va.";
        Doc chained = new Doc("d", text, 0, null, null);
        Doc nerAlone = new Doc("d", text, 0, null, null);
        Doc embedderAlone = new Doc("d", text, 0, null, null);
        try (InProcessPipeline chain = new InProcessPipeline(both, ForwardContext.cpu(1));
                InProcessPipeline first =
                        new InProcessPipeline(
                                Pipeline.builder().model(ner).build(), ForwardContext.cpu(1));
                InProcessPipeline second =
                        new InProcessPipeline(
                                Pipeline.builder().model(embedder).build(),
                                ForwardContext.cpu(1))) {
            chain.process(chained);
            first.process(nerAlone);
            second.process(embedderAlone);
        }
        assertEquals(2, chained.entities().size(), chained.entities().toString());
        assertEquals(nerAlone.entities(), chained.entities());
        assertArrayEquals(embedderAlone.vectors().get("minilm"), chained.vectors().get("minilm"));
        // A rule component between them makes two stages, each model reading what came before.
        assertEquals(
                List.of("ner", "minilm"),
                Pipeline.builder()
                        .model(ner)
                        .tokenizer()
                        .model(embedder)
                        .build()
                        .stages()
                        .modelNames());
    }

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        double na = 0;
        double nb = 0;
        for (int i = 0; i < a.length; i++) {
            dot += (double) a[i] * b[i];
            na += (double) a[i] * a[i];
            nb += (double) b[i] * b[i];
        }
        return dot / Math.sqrt(na * nb);
    }

    @Test
    void aLongDocumentIsTheTokenWeightedAverageOfItsWindows() throws Exception {
        TextEmbedder windows =
                TextEmbedder.builder()
                        .model(miniLm.toString())
                        .maxLength(32)
                        .normalize(false)
                        .build();
        Doc doc = new SampleCorpus().generate(3).toDoc();
        assertTrue(windows.preprocess(doc).windowCount() > 2);
        try (InProcessPipeline pipeline =
                new InProcessPipeline(
                        Pipeline.builder().model(windows).build(), ForwardContext.cpu(1))) {
            pipeline.process(doc);
        }
        float[] vector = doc.vectors().get("embeddings");
        assertEquals(384, vector.length);
        double norm = 0;
        for (float v : vector) {
            norm += v * v;
        }
        assertTrue(norm > 0.01 && Math.abs(norm - 1) > 1e-3, "unnormalized, norm^2 " + norm);
    }

    @Test
    void offsetsAreUtf16ThroughLowercasingAccentsEmojiAndCjk() {
        try (HfTokenizer tokenizer =
                HfTokenizer.load(ModelLocation.file(miniLm.resolve("tokenizer.json")))) {
            String text = "Patient 😀 has Asthma, Ça va? 北京 naïve";
            HfTokenizer.Pieces pieces = tokenizer.encode(text);
            List<String> covered = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                covered.add(text.substring(pieces.starts()[i], pieces.ends()[i]));
            }
            assertEquals(
                    List.of(
                            "Patient", "😀", "has", "Asthma", ",", "Ça", "va", "?", "北", "京",
                            "naïve"),
                    covered);
            assertArrayEquals(new int[] {101}, tokenizer.specials().prefix());
            assertArrayEquals(new int[] {102}, tokenizer.specials().suffix());
        }
    }

    @Test
    void aBpeTokenizerJsonOfTheProjectRunsTheSamePathWithItsOffsets() throws Exception {
        Path bpe = folder.resolve("bpe.json");
        Files.writeString(bpe, TestingTokenizers.bpe());
        try (HfTokenizer tokenizer = HfTokenizer.load(ModelLocation.file(bpe))) {
            assertEquals("BPE", tokenizer.modelType());
            String text = "Asthma 😀 then asthma";
            HfTokenizer.Pieces pieces = tokenizer.encode(text);
            List<String> covered = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                covered.add(text.substring(pieces.starts()[i], pieces.ends()[i]));
            }
            assertEquals(List.of("Asth", "ma", "😀", "th", "e", "n", "asth", "ma"), covered);
            assertArrayEquals(new int[] {1}, tokenizer.specials().prefix());
            assertArrayEquals(new int[] {2}, tokenizer.specials().suffix());
            assertEquals(3, tokenizer.specials().padId());
        }
    }

    @Test
    void aUnigramTokenizerJsonOfTheProjectRunsTheSamePathWithItsOffsets() throws Exception {
        Path unigram = folder.resolve("unigram.json");
        Files.writeString(unigram, TestingTokenizers.unigram());
        try (HfTokenizer tokenizer = HfTokenizer.load(ModelLocation.file(unigram))) {
            assertEquals("Unigram", tokenizer.modelType());
            String text = "asthma 😀 asthma";
            HfTokenizer.Pieces pieces = tokenizer.encode(text);
            List<String> covered = new ArrayList<>();
            for (int i = 0; i < pieces.size(); i++) {
                covered.add(text.substring(pieces.starts()[i], pieces.ends()[i]));
            }
            System.out.println("Unigram pieces: " + covered);
            assertEquals(List.of("asthma", " 😀", " asthma"), covered);
            assertEquals(List.of(0, 1, 2), words(pieces));
        }
    }

    private static List<Integer> words(HfTokenizer.Pieces pieces) {
        List<Integer> words = new ArrayList<>();
        for (int w : pieces.words()) {
            words.add(w);
        }
        return words;
    }

    @Test
    void badExportsFailAtBuildNamingTheFileAndWhatWasExpected() throws Exception {
        Path noTokenizer = folder.resolve("no-tokenizer");
        Files.createDirectories(noTokenizer);
        Files.copy(miniLm.resolve("model.onnx"), noTokenizer.resolve("model.onnx"));
        Files.writeString(noTokenizer.resolve("config.json"), MINILM_CONFIG);
        List<String> messages = new ArrayList<>();
        messages.add(
                buildFails(() -> TextEmbedder.builder().model(noTokenizer.toString()).build()));
        // A NER component on an encoder without a head: no logits.
        messages.add(
                buildFails(() -> OnnxTokenClassifier.builder().model(miniLm.toString()).build()));
        messages.add(
                buildFails(
                        () ->
                                TextEmbedder.builder()
                                        .model(miniLm.toString())
                                        .maxLength(1024)
                                        .build()));
        Path wordLevelless = folder.resolve("char-model");
        Files.createDirectories(wordLevelless);
        Files.copy(miniLm.resolve("model.onnx"), wordLevelless.resolve("model.onnx"));
        Files.writeString(wordLevelless.resolve("config.json"), MINILM_CONFIG);
        Files.writeString(
                wordLevelless.resolve("tokenizer.json"),
                "{\"model\": {\"type\": \"CharLevel\", \"vocab\": {}}}",
                StandardCharsets.UTF_8);
        messages.add(
                buildFails(() -> TextEmbedder.builder().model(wordLevelless.toString()).build()));
        messages.forEach(m -> System.out.println("start-up message: " + m));
        assertTrue(messages.get(0).contains("tokenizer.json does not exist"), messages.get(0));
        assertTrue(messages.get(1).contains("has no output 'logits'"), messages.get(1));
        assertTrue(
                messages.get(2).contains("greater than max_position_embeddings 512"),
                messages.get(2));
        assertTrue(messages.get(3).contains("model type 'CharLevel'"), messages.get(3));
    }

    @Test
    void aTokenizerOfAnotherModelFailsAtBuildNamingBothFilesAndBothSizes() throws Exception {
        // Fewer ids than the model's vocabulary: it would run, reading the wrong row for each
        // piece.
        Path smaller = Files.createDirectories(folder.resolve("minilm-with-tiny-tokenizer"));
        Files.copy(miniLm.resolve("model.onnx"), smaller.resolve("model.onnx"));
        copyResource(TinyModel.TOKENIZER_RESOURCE, smaller.resolve("tokenizer.json"));
        Files.writeString(smaller.resolve("config.json"), MINILM_CONFIG);
        String againstTable =
                buildFails(() -> TextEmbedder.builder().model(smaller.toString()).build());
        System.out.println("start-up message: " + againstTable);
        assertEquals(
                "Tokenizer file:"
                        + smaller.resolve("tokenizer.json")
                        + " has 696 ids but the word-embedding table"
                        + " 'embeddings.word_embeddings.weight_quantized' of file:"
                        + smaller.resolve("model.onnx")
                        + " has 30522 rows: they are not from the same model; expected 29569 to"
                        + " 30522 ids (an export may pad its vocabulary by up to 953)",
                againstTable);

        // With vocab_size in config.json, as the export on the Hub has it, that is named first.
        Files.writeString(
                smaller.resolve("config.json"),
                MINILM_CONFIG.replace("}", ", \"vocab_size\": 30522}"));
        assertEquals(
                "Tokenizer file:"
                        + smaller.resolve("tokenizer.json")
                        + " has 696 ids but file:"
                        + smaller.resolve("config.json")
                        + " declares vocab_size 30522: they are not from the same model; expected"
                        + " 29569 to 30522 ids (an export may pad its vocabulary by up to 953)",
                buildFails(() -> TextEmbedder.builder().model(smaller.toString()).build()));

        // More ids than the model's table: the documents holding one would fail.
        Path larger = Files.createDirectories(folder.resolve("tiny-with-minilm-tokenizer"));
        copyResource(TinyModel.MODEL_RESOURCE, larger.resolve("model.onnx"));
        Files.copy(miniLm.resolve("tokenizer.json"), larger.resolve("tokenizer.json"));
        copyResource(TinyModel.CONFIG_RESOURCE, larger.resolve("config.json"));
        assertEquals(
                "Tokenizer file:"
                        + larger.resolve("tokenizer.json")
                        + " has 30522 ids but file:"
                        + larger.resolve("config.json")
                        + " declares vocab_size 696: they are not from the same model; expected"
                        + " 568 to 696 ids (an export may pad its vocabulary by up to 128)",
                buildFails(() -> OnnxTokenClassifier.builder().model(larger.toString()).build()));
    }

    @Test
    void theRealExportAndTheProjectsModelsPassTheVocabularyCheck() {
        HfExport miniLmExport = HfExport.resolve(miniLm.toString());
        TextEmbedder embedder = TextEmbedder.builder().model(miniLm.toString()).build();
        assertEquals(30522, embedder.encoder().tokenizer().vocabularySize());
        assertEquals(
                30522,
                WordEmbeddingTable.read(miniLmExport.model(), TransformerEncoder.INPUT_IDS)
                        .orElseThrow()
                        .rows());
        for (String model : List.of("classpath:" + TinyModel.RESOURCE_DIR, "generated:bench")) {
            OnnxTokenClassifier classifier = OnnxTokenClassifier.builder().model(model).build();
            assertEquals(696, classifier.encoder().tokenizer().vocabularySize(), model);
            assertEquals(696, classifier.encoder().config().vocabSize(), model);
        }
    }

    private static String buildFails(Runnable build) {
        return assertThrows(IllegalArgumentException.class, build::run).getMessage();
    }

    @Test
    void aDynamicallyQuantizedExportRunsItsBatchesWholeOnTheCpuAndAFloatOneByLengthBuckets()
            throws Exception {
        TransformerEncoder quantized =
                TextEmbedder.builder().model(miniLm.toString()).maxLength(128).build().encoder();
        TransformerEncoder floats =
                OnnxTokenClassifier.builder().model("generated:bench").build().encoder();

        assertTrue(quantized.dynamicallyQuantized(), "LangChain4j's MiniLM is int8, dynamic");
        assertFalse(floats.dynamicallyQuantized());
        try (ForwardRunner whole = quantized.openForward(ForwardContext.cpu(1));
                ForwardRunner bucketed = floats.openForward(ForwardContext.cpu(1))) {
            assertFalse(whole instanceof BucketedForward, whole.toString());
            assertTrue(bucketed instanceof BucketedForward, bucketed.toString());
        }
    }
}
