package io.tandem.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScheduleReportTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void jsonHasExactlyProducersConsumersAndSchedules() throws Exception {
        // Whole producers per consumer: each list is a single consumer.
        assertEquals(
                "{\"producers\": 4, \"consumers\": 2, \"schedules\": [[0], [0], [1], [1]]}",
                ScheduleReport.of(4, 2).toJson());
        // Each producer splits evenly over its two consumers.
        assertEquals(
                "{\"producers\": 2, \"consumers\": 4, \"schedules\": [[0, 1], [2, 3]]}",
                ScheduleReport.of(2, 4).toJson());
    }

    @Test
    void jsonListsEachProducersPeriod() throws Exception {
        ScheduleReport report = ScheduleReport.of(8, 9);
        JsonNode root = MAPPER.readTree(report.toJson());
        List<String> fields = new ArrayList<>();
        for (Iterator<String> names = root.fieldNames(); names.hasNext(); ) {
            fields.add(names.next());
        }
        assertEquals(List.of("producers", "consumers", "schedules"), fields);
        assertEquals(8, root.get("producers").asInt());
        assertEquals(9, root.get("consumers").asInt());
        assertEquals(8, root.get("schedules").size());
        for (int p = 0; p < 8; p++) {
            int[] expected = report.schedule().periodOf(p);
            JsonNode list = root.get("schedules").get(p);
            assertEquals(expected.length, list.size());
            for (int i = 0; i < expected.length; i++) {
                assertEquals(expected[i], list.get(i).asInt());
            }
        }
    }

    @Test
    void jsonWithoutConsumersHasEmptyLists() {
        assertEquals(
                "{\"producers\": 3, \"consumers\": 0, \"schedules\": [[], [], []]}",
                ScheduleReport.of(3, 0).toJson());
    }

    @Test
    void tableComparesOursWithTheReferencePerConsumer() {
        String text = ScheduleReport.of(8, 9).toText();
        String[] lines = text.split("\n");
        // Title, column names, rule, 9 consumers, rule, 4 totals.
        assertEquals(17, lines.length, text);
        assertEquals(
                "Dispatch schedule: 8 producers -> 9 consumers, fair load 8/9 producers per"
                        + " consumer",
                lines[0]);
        assertEquals(
                List.of(
                        "consumer",
                        "tandem load",
                        "tandem producers",
                        "reference load",
                        "reference producers"),
                List.of(lines[1].split("\\|")).stream().map(String::trim).toList());
        for (int c = 0; c < 9; c++) {
            String[] cells = lines[3 + c].split("\\|");
            assertEquals(Integer.toString(c), cells[0].trim());
            assertEquals("8/9", cells[1].trim());
            assertEquals("8/9", cells[3].trim());
        }
        // The reference's leftover consumer hears from all 8 producers.
        assertEquals("8: 0-7", lines[3 + 8].split("\\|")[4].trim());
        assertEquals("1: 0", lines[3].split("\\|")[4].trim());
        assertTotals(lines[13], "links", "16", "16");
        assertTotals(lines[14], "max producers/consumer", "2", "8");
        assertTotals(lines[15], "max burst", "2", "8");
        assertTotals(lines[16], "period", "9", "9");
        for (String line : lines) {
            assertTrue(!line.endsWith(" "), "trailing blank in '" + line + "'");
        }
    }

    private static void assertTotals(String line, String label, String ours, String reference) {
        String[] cells = line.split("\\|");
        assertEquals(label, cells[0].trim());
        assertEquals(ours, cells[2].trim());
        assertEquals(reference, cells[4].trim());
    }

    @Test
    void tableWithoutConsumersSaysSo() {
        assertEquals(
                "Dispatch schedule: 3 producers -> 0 consumers (no inference subtask: the"
                        + " producers run the model in place)\n",
                ScheduleReport.of(3, 0).toText());
    }

    @Test
    void producerCellsShortenRuns() {
        assertEquals("6: 0-2,5,7-8", ScheduleReport.producersCell(List.of(0, 1, 2, 5, 7, 8)));
        assertEquals("1: 4", ScheduleReport.producersCell(List.of(4)));
        assertEquals("0: ", ScheduleReport.producersCell(List.of()));
    }
}
