package io.tandem.job.bench;

import io.tandem.batching.BatchingOptions;
import io.tandem.job.measure.EdgeReport;
import io.tandem.ner.OnnxTokenClassifier;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.ToDoubleFunction;

/**
 * The documents edge's figures of {@code tandem bench} on their own ({@link Bench#documentsEdge}),
 * without the rest of the run: {@code DocumentsEdgeBenchmark [quick|full]}. The scale simulation is
 * sized as {@code Bench.run()} sizes it, from the padded tokens per document of the default
 * batching (here measured by {@link EdgeReport} instead of by the CPU side's run).
 */
public final class DocumentsEdgeBenchmark {
    private DocumentsEdgeBenchmark() {}

    public static void main(String[] args) throws Exception {
        BenchSettings settings =
                args.length > 0 && args[0].equals("full")
                        ? BenchSettings.full()
                        : BenchSettings.quick();
        Bench bench = new Bench(settings, System.out);
        OnnxTokenClassifier classifier =
                OnnxTokenClassifier.builder().maxLength(settings.maxLength()).build();
        EdgeReport.Figures batching =
                EdgeReport.measure(
                        settings.fastDocs(),
                        BatchingOptions.BATCH_SIZE.defaultValue(),
                        true,
                        BatchingOptions.CHUNK_SIZE.defaultValue(),
                        settings.maxLength());
        double tokensPerDoc = (double) batching.paddedTokens() / batching.docs();
        double cpuSecondsPerDoc =
                Bench.SCALE_CPU_WORKERS / (Bench.SCALE_INFERENCE_DOCS_PER_S / Bench.STAND_IN_SHARE);
        double inferenceNanosPerToken =
                Bench.SCALE_INFERENCE_WORKERS
                        / Bench.SCALE_INFERENCE_DOCS_PER_S
                        * 1e9
                        / tokensPerDoc;
        ToDoubleFunction<Bench.Measured> idealOf =
                run ->
                        Math.min(
                                Bench.SCALE_CPU_WORKERS / cpuSecondsPerDoc,
                                Bench.SCALE_INFERENCE_WORKERS
                                        / (inferenceNanosPerToken
                                                * run.meter().paddedTokensPerDoc()
                                                / 1e9));
        Map<String, Double> figures = new LinkedHashMap<>();
        Map<String, Object> details = new LinkedHashMap<>();
        bench.documentsEdge(
                figures,
                details,
                new StandInModel(classifier, inferenceNanosPerToken),
                new ParkPerDocument(Math.round(cpuSecondsPerDoc * 1e9)),
                idealOf,
                2 * settings.fastDocs());
        System.out.printf(
                Locale.ROOT,
                "settings: %s, load average at the end: %s%n",
                settings.name(),
                java.lang.management.ManagementFactory.getOperatingSystemMXBean()
                        .getSystemLoadAverage());
        figures.forEach((key, value) -> System.out.printf(Locale.ROOT, "%s: %.4f%n", key, value));
        details.forEach((key, value) -> System.out.printf(Locale.ROOT, "%s: %s%n", key, value));
        System.exit(0);
    }
}
