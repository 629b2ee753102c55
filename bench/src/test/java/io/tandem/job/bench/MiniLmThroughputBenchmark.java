package io.tandem.job.bench;

import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.hf.TransformerEncoder;
import io.tandem.job.hf.MiniLmExport;
import io.tandem.sample.SampleCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * all-MiniLM-L6-v2 (quantized) through Tandem in place on the CPU against LangChain4j's {@code
 * AllMiniLmL6V2QuantizedEmbeddingModel} embedding the same sample notes one by one ({@link
 * EmbedComparison}). A program, not a test (LangChain4j is a test dependency only):
 *
 * <pre>java -cp ... io.tandem.job.bench.MiniLmThroughputBenchmark [docs] [rounds]</pre>
 */
public final class MiniLmThroughputBenchmark {
    private static final int MAX_LENGTH = 128;

    private MiniLmThroughputBenchmark() {}

    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path work = Files.createTempDirectory("tandem-minilm-bench");
        Path export = MiniLmExport.layOut(work.resolve("minilm"));
        // LangChain4j's tokenizer.json truncates at 128 tokens: keep the notes that fit, so both
        // sides embed the same tokens.
        TransformerEncoder encoder =
                TextEmbedder.builder()
                        .model(export.toString())
                        .maxLength(MAX_LENGTH)
                        .build()
                        .encoder();
        encoder.open();
        SampleCorpus corpus = new SampleCorpus();
        List<String> texts = new ArrayList<>(docs);
        for (int i = 0; texts.size() < docs; i++) {
            String text = corpus.generate(i).toDoc().text();
            if (encoder.preprocess(text).windowCount() == 1) {
                texts.add(text);
            }
        }
        encoder.close();
        AllMiniLmL6V2QuantizedEmbeddingModel model = new AllMiniLmL6V2QuantizedEmbeddingModel();
        EmbedComparison.Figures figures =
                EmbedComparison.measure(
                        export,
                        MAX_LENGTH,
                        texts,
                        text -> model.embed(text).content().vector(),
                        work.resolve("runs"),
                        rounds);
        System.out.printf(
                "documents=%d tandem_in_place=%.1f docs/s langchain4j_one_by_one=%.1f docs/s"
                        + " ratio=%.3f%n",
                figures.documents(),
                figures.tandemDocsPerSecond(),
                figures.referenceDocsPerSecond(),
                figures.ratio());
    }
}
