package io.tandem.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.langchain4j.model.embedding.onnx.allminilml6v2q.AllMiniLmL6V2QuantizedEmbeddingModel;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.job.hf.MiniLmExport;
import io.tandem.sample.SampleCorpus;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * {@code vs_langchain4j_embed}: all-MiniLM-L6-v2 (quantized) through Tandem in place on the CPU
 * against LangChain4j's own embedding model embedding the same documents one at a time, in
 * documents per second. LangChain4j and the model are test dependencies (never in the job jars), so
 * this runs from the test classpath rather than in {@code tandem bench}:
 *
 * <pre>
 * java -cp job/target/test-classes:job/target/classes:$(cat job/cp.txt) \
 *     io.tandem.job.bench.LangChain4jEmbedBench 1000 docs/langchain4j-embed.json
 * </pre>
 *
 * Both see exactly the same text: sample documents that fit one 128-piece window (LangChain4j's
 * tokenizer truncates at 128 pieces, Tandem would embed every window of a longer one). Tandem runs
 * the default pipeline with MiniLM as its model, on {@link #CPU_WORKERS} CPU subtasks, with one
 * ONNX Runtime thread each; LangChain4j embeds in the calling thread with its own session options
 * (ONNX Runtime's default threads, every core).
 */
public final class LangChain4jEmbedBench {
    static final int WINDOW = 128;
    static final int CPU_WORKERS = 2;

    /** The figure and the throughputs behind it. */
    public record Result(double tandem, double langChain4j, int docs) {
        double ratio() {
            return tandem / langChain4j;
        }

        Map<String, Object> asJson() {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("vs_langchain4j_embed", ratio());
            json.put(
                    "details",
                    Map.of(
                            "tandem_docs_per_s", tandem,
                            "langchain4j_docs_per_s", langChain4j,
                            "docs", docs,
                            "cpu_workers", CPU_WORKERS,
                            "window_word_pieces", WINDOW));
            return json;
        }
    }

    private LangChain4jEmbedBench() {}

    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
        Result result = measure(docs, 2, System.err);
        System.out.printf(
                Locale.ROOT,
                "vs_langchain4j_embed %.3f (Tandem %.1f docs/s, LangChain4j one at a time %.1f"
                        + " docs/s, %d documents)%n",
                result.ratio(),
                result.tandem(),
                result.langChain4j(),
                result.docs());
        if (args.length > 1) {
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValue(Path.of(args[1]).toFile(), result.asJson());
        }
    }

    /** The best of {@code repeats} runs of each, interleaved. */
    static Result measure(int docs, int repeats, PrintStream log) throws Exception {
        Path export = Files.createTempDirectory("minilm");
        try {
            MiniLmExport.layOut(export);
            TextEmbedder embedder =
                    TextEmbedder.builder()
                            .name("minilm")
                            .model(export.toString())
                            .maxLength(WINDOW)
                            .build();
            long[] indices = oneWindowDocuments(embedder, docs);
            List<String> texts = new ArrayList<>();
            SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
            for (long index : indices) {
                texts.add(corpus.generate(index).text());
            }
            AllMiniLmL6V2QuantizedEmbeddingModel langChain4j =
                    new AllMiniLmL6V2QuantizedEmbeddingModel();
            Bench bench = new Bench(BenchSettings.smoke(), log);
            // Untimed: the JIT, the sessions, the tokenizers.
            embedOneAtATime(langChain4j, texts.subList(0, Math.min(50, texts.size())));
            bench.inPlaceThroughput("warm-up", embedder, indices, CPU_WORKERS);
            double tandem = 0;
            double reference = 0;
            for (int repeat = 0; repeat < repeats; repeat++) {
                tandem =
                        Math.max(
                                tandem,
                                bench.inPlaceThroughput(
                                        "tandem, MiniLM in place", embedder, indices, CPU_WORKERS));
                double one = embedOneAtATime(langChain4j, texts);
                log.printf(Locale.ROOT, "bench:   %-28s %8.1f docs/s%n", "LangChain4j", one);
                reference = Math.max(reference, one);
            }
            return new Result(tandem, reference, indices.length);
        } finally {
            try (var files = Files.walk(export)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Documents per second, embedding each text alone. */
    static double embedOneAtATime(AllMiniLmL6V2QuantizedEmbeddingModel model, List<String> texts) {
        long start = System.nanoTime();
        for (String text : texts) {
            model.embed(text);
        }
        return texts.size() * 1e9 / (System.nanoTime() - start);
    }

    /** The first {@code count} sample documents that fit one window. */
    static long[] oneWindowDocuments(TextEmbedder embedder, int count) {
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
        long[] indices = new long[count];
        int found = 0;
        for (long index = 0; found < count; index++) {
            if (embedder.preprocess(corpus.generate(index).toDoc()).windowCount() == 1) {
                indices[found++] = index;
            }
        }
        return indices;
    }
}
