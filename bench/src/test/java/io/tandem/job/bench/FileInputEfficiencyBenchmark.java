package io.tandem.job.bench;

import io.tandem.ner.OnnxTokenClassifier;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/**
 * {@code file_input_efficiency} alone, over more rounds than {@code tandem bench} gives it, and at
 * a chosen share of the scale simulation's rate (not part of the build's tests: its name matches
 * neither *Test nor *ITCase). The scale simulation parks 53 ms per document on the CPU side and a
 * fixed time per padded token on the inference side, so that 8 inference subtasks do 400
 * documents/s; on cores shared with other work, Tandem's own work at that rate can bind before the
 * feeding does. {@code -Dtandem.bench.rate-share=0.25} parks four times as long on both sides (100
 * documents/s, the same balance), so that what the figure compares is how the file is fed. Run it
 * with {@code mvn -B -o verify -pl job -am -Dtest=FileInputEfficiencyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false -DskipITs -Dtandem.bench.rate-share=0.25}.
 */
class FileInputEfficiencyBenchmark {
    private static final int DOCS = Integer.getInteger("tandem.bench.docs", 3000);
    private static final int ROUNDS = Integer.getInteger("tandem.bench.rounds", 3);
    private static final double RATE_SHARE =
            Double.parseDouble(System.getProperty("tandem.bench.rate-share", "1"));

    /** The scale simulation's inference cost per padded token, from the full run's details. */
    private static final double INFERENCE_NANOS_PER_PADDED_TOKEN =
            Double.parseDouble(System.getProperty("tandem.bench.inference-ns-per-token", "21900"));

    @Test
    void printFigures() throws Exception {
        int cpuWorkers = Bench.SCALE_CPU_WORKERS;
        int inferenceWorkers = Bench.SCALE_INFERENCE_WORKERS;
        double cpuSecondsPerDoc =
                cpuWorkers / (Bench.SCALE_INFERENCE_DOCS_PER_S / Bench.STAND_IN_SHARE) / RATE_SHARE;
        double nanosPerToken = INFERENCE_NANOS_PER_PADDED_TOKEN / RATE_SHARE;
        OnnxTokenClassifier classifier = OnnxTokenClassifier.builder().maxLength(128).build();
        FileInputEfficiency.Figures figures =
                FileInputEfficiency.measure(
                        System.out,
                        new StandInModel(classifier, nanosPerToken),
                        new ParkPerDocument(Math.round(cpuSecondsPerDoc * 1e9)),
                        run ->
                                Math.min(
                                        cpuWorkers / cpuSecondsPerDoc,
                                        inferenceWorkers
                                                / (nanosPerToken
                                                        * run.meter().paddedTokensPerDoc()
                                                        / 1e9)),
                        cpuWorkers,
                        inferenceWorkers,
                        DOCS,
                        ROUNDS);
        System.out.printf(
                Locale.ROOT,
                "rate share %.2f, %d documents, best of %d rounds: file_input_efficiency %.3f,"
                        + " one reader round-robin %.3f%n%s%n",
                RATE_SHARE,
                DOCS,
                ROUNDS,
                figures.efficiency(),
                figures.roundRobinEfficiency(),
                figures.details());
    }
}
