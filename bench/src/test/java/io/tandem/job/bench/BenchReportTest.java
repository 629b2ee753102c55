package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BenchReportTest {
    @TempDir Path dir;

    private static Map<String, Double> allFigures(double value) {
        Map<String, Double> figures = new LinkedHashMap<>();
        for (BenchReport.Figure figure : BenchReport.FIGURES) {
            figures.put(figure.key(), value);
        }
        return figures;
    }

    @Test
    void theTableListsEveryFigureWithItsTargetAndWhetherItIsMet() {
        Map<String, Double> figures = allFigures(2.0);
        figures.put("pipeline_efficiency_stub", 0.5);
        BenchReport report = new BenchReport(BenchSettings.smoke(), figures, Map.of());
        String table = report.table();
        for (BenchReport.Figure figure : BenchReport.FIGURES) {
            assertTrue(table.contains(figure.key()), figure.key());
            assertTrue(table.contains(figure.target()), figure.target());
        }
        BenchReport.Figure stub = BenchReport.FIGURES.get(0);
        assertFalse(report.met(stub));
        assertTrue(table.lines().anyMatch(l -> l.startsWith(stub.key()) && l.contains(" NO ")));
    }

    @Test
    void theTableGivesEachFiguresSpreadOverTheRoundsAndADashForOneMeasuredOnce() {
        BenchReport report =
                new BenchReport(
                        BenchSettings.quick(),
                        allFigures(2.0),
                        Map.of(BenchReport.SPREAD, Map.of("ordered_vs_unordered", 0.123)));
        String table = report.table();
        String ordered =
                table.lines().filter(l -> l.startsWith("ordered_vs_unordered")).findFirst().get();
        assertTrue(ordered.matches("ordered_vs_unordered\\s+2\\.000\\s+12%\\s.*"), ordered);
        String latency =
                table.lines().filter(l -> l.startsWith("latency_p99_ms")).findFirst().get();
        assertTrue(latency.matches("latency_p99_ms\\s+2\\.000\\s+-\\s.*"), latency);
        assertTrue(table.contains("over the 3 rounds"), table);
    }

    @Test
    void theJsonHoldsTheFiguresAtTheTopAndTheDetailsBeneath() throws Exception {
        BenchReport report =
                new BenchReport(BenchSettings.smoke(), allFigures(1.25), Map.of("cpus", 2));
        Path file = dir.resolve("out.json");
        report.writeJson(file);
        JsonNode json = new ObjectMapper().readTree(file.toFile());
        for (BenchReport.Figure figure : BenchReport.FIGURES) {
            assertEquals(1.25, json.get(figure.key()).asDouble(), figure.key());
        }
        assertEquals(2, json.get("details").get("cpus").asInt());
    }

    @Test
    void aMissingFigureIsRefusedNamingIt() {
        Map<String, Double> figures = allFigures(1.0);
        figures.remove("latency_p99_ms");
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new BenchReport(BenchSettings.smoke(), figures, Map.of()));
        assertTrue(error.getMessage().contains("latency_p99_ms"));
    }

    @Test
    void chartScalesRoundUpToOneTwoOrFiveTimesAPowerOfTen() {
        assertEquals(1.0, BenchChart.niceCeiling(0.8));
        assertEquals(20.0, BenchChart.niceCeiling(13));
        assertEquals(500.0, BenchChart.niceCeiling(420));
        assertEquals(1000.0, BenchChart.niceCeiling(501));
        assertEquals(1.0, BenchChart.niceCeiling(Double.NaN));
    }

    @Test
    void settingsRefuseTooFewDocumentsForTheCountWindow() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new BenchSettings(
                                        "tiny",
                                        200,
                                        0,
                                        100,
                                        100,
                                        2,
                                        java.util.List.of(1, 2),
                                        128,
                                        false,
                                        1,
                                        false,
                                        false,
                                        SerializerBench.Settings.quick()));
        assertTrue(error.getMessage().contains("modelDocs 100 (>= 128)"), error.getMessage());
    }
}
