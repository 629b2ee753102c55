package io.tandem.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.job.cli.TandemCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * An embedding model through Tandem in place on the CPU (the embeddings component, {@code
 * --gpu-workers 0}) against a reference embedding the same documents one call per document, side by
 * side in one run. Tandem's time is the marginal one: a run of all documents less a run of one, so
 * the MiniCluster's start-up and the session's creation (which the reference does before its clock
 * starts) count for neither. Each side runs {@code rounds} times, interleaved, and keeps its best
 * time.
 */
public final class EmbedComparison {

    /** Embeds one text as the reference does: one call per document. */
    @FunctionalInterface
    public interface ReferenceEmbedder {
        float[] embed(String text);
    }

    /** Documents per second of each side; {@code ratio} is Tandem's over the reference's. */
    public record Figures(
            int documents, double tandemDocsPerSecond, double referenceDocsPerSecond) {
        public double ratio() {
            return tandemDocsPerSecond / referenceDocsPerSecond;
        }
    }

    private EmbedComparison() {}

    /**
     * Measures both sides on {@code texts}.
     *
     * @param export the embedding model's export folder (model.onnx, tokenizer.json, config.json)
     * @param maxLength Tandem's window; pick one that holds every text, so both sides embed the
     *     same tokens
     * @param workDir where the input, pipeline and outputs of Tandem's runs go
     */
    public static Figures measure(
            Path export,
            int maxLength,
            List<String> texts,
            ReferenceEmbedder reference,
            Path workDir,
            int rounds)
            throws Exception {
        ObjectMapper json = new ObjectMapper();
        Files.createDirectories(workDir);
        Path all = workDir.resolve("all.jsonl");
        Path one = workDir.resolve("one.jsonl");
        List<String> lines = new ArrayList<>(texts.size());
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode line = json.createObjectNode();
            line.put("id", "doc-" + i);
            line.put("text", texts.get(i));
            lines.add(json.writeValueAsString(line));
        }
        Files.write(all, lines);
        Files.write(one, lines.subList(0, 1));
        Path pipeline = workDir.resolve("embeddings.yaml");
        Files.writeString(
                pipeline,
                "components:\n  - type: embeddings\n    model: "
                        + export
                        + "\n    max_length: "
                        + maxLength
                        + "\n");
        for (String text : texts.subList(0, Math.min(32, texts.size()))) {
            reference.embed(text); // warm-up: JIT and the session's first runs
        }
        long bestTandem = Long.MAX_VALUE;
        long bestReference = Long.MAX_VALUE;
        for (int round = 0; round < rounds; round++) {
            long start = System.nanoTime();
            for (String text : texts) {
                reference.embed(text);
            }
            bestReference = Math.min(bestReference, System.nanoTime() - start);
            long startUp = runTandem(one, pipeline, workDir.resolve("one-out.jsonl"));
            long whole = runTandem(all, pipeline, workDir.resolve("all-out.jsonl"));
            bestTandem = Math.min(bestTandem, Math.max(1, whole - startUp));
        }
        return new Figures(
                texts.size(), texts.size() * 1e9 / bestTandem, texts.size() * 1e9 / bestReference);
    }

    private static long runTandem(Path input, Path pipeline, Path output) throws Exception {
        long start = System.nanoTime();
        int exit =
                TandemCli.execute(
                        "run",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--pipeline",
                        pipeline.toString(),
                        "--no-progress",
                        "--cpu-workers",
                        "1",
                        "--gpu-workers",
                        "0");
        long elapsed = System.nanoTime() - start;
        if (exit != 0) {
            throw new IllegalStateException("tandem run exited with " + exit + " on " + input);
        }
        return elapsed;
    }
}
