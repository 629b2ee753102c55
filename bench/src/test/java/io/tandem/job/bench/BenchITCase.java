package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code tandem bench} on its smallest settings: every figure is in the JSON, as a number, and the
 * chart is drawn. What the figures are worth is the full run's business (BENCHMARKS.md), not this
 * test's: it asserts no speed.
 */
class BenchITCase {
    @TempDir Path dir;

    @Test
    void benchWritesEveryFigureAsANumberAndTheChart() throws Exception {
        Path json = dir.resolve("bench.json");
        Path chart = dir.resolve("bench.png");

        assertEquals(
                0,
                TandemBench.execute(
                        "bench",
                        "--smoke",
                        "--json",
                        json.toString(),
                        "--chart",
                        chart.toString()));

        JsonNode figures = new ObjectMapper().readTree(json.toFile());
        for (BenchReport.Figure figure : BenchReport.FIGURES) {
            JsonNode value = figures.get(figure.key());
            assertNotNull(value, "missing " + figure.key() + " in " + figures);
            assertTrue(value.isNumber(), figure.key() + " is " + value);
            assertTrue(Double.isFinite(value.asDouble()), figure.key() + " is " + value);
        }
        assertEquals(22, BenchReport.FIGURES.size());
        assertTrue(
                figures.get("details")
                        .get(BenchReport.PREDICTED)
                        .get("vs_per_record_map_accel")
                        .isNumber());
        assertTrue(figures.get("details").get("throughput_docs_per_s").get("tandem").isNumber());
        assertTrue(
                figures.get("details")
                        .get(BenchReport.PREDICTED)
                        .get("vs_count_window_accel_clinical")
                        .isNumber());
        // At the low rate each count window (P=2) fills once and the remaining documents never
        // leave theirs.
        JsonNode lowRate = figures.get("details").get("latency_low_rate");
        assertEquals(64, lowRate.get("count_window_docs_output").asInt(), lowRate.toString());
        assertEquals(80, lowRate.get("count_window_docs").asInt(), lowRate.toString());
        // One value per round (smoke: one round; the serializers: one JMH iteration) for every
        // figure that is measured, none for the deterministic padding and edge sizes.
        JsonNode rounds = figures.get("details").get("figures_by_round");
        for (BenchReport.Figure figure : BenchReport.FIGURES) {
            boolean deterministic =
                    figure.key().startsWith("padding_ratio_")
                            || figure.key().equals("documents_edge_bytes_per_doc");
            JsonNode values = rounds.get(figure.key());
            assertEquals(
                    deterministic ? 0 : 1,
                    values == null ? 0 : values.size(),
                    figure.key() + " by round: " + values);
        }
        assertEquals(
                0.0,
                figures.get("details")
                        .get(BenchReport.SPREAD)
                        .get("padding_ratio_docs")
                        .asDouble());

        BufferedImage image = ImageIO.read(chart.toFile());
        assertNotNull(image, "not a PNG: " + chart);
        assertTrue(image.getWidth() > 0 && image.getHeight() > 0);
    }
}
