package io.tandem.dispatch;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.util.MinimalPrettyPrinter;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What the CLI prints about a dispatch schedule: a text table comparing Tandem's {@link
 * DispatchSchedule} with edsnlp's {@link ReferenceSchedule} per consumer (load as a fraction,
 * distinct producers and which ones), and the schedule as JSON.
 */
public final class ScheduleReport {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final DispatchSchedule ours;
    private final ReferenceSchedule reference;

    private ScheduleReport(DispatchSchedule ours, ReferenceSchedule reference) {
        this.ours = ours;
        this.reference = reference;
    }

    /** The report for {@code producers} CPU workers and {@code consumers} inference subtasks. */
    public static ScheduleReport of(int producers, int consumers) {
        return new ScheduleReport(
                DispatchSchedule.of(producers, consumers),
                ReferenceSchedule.of(producers, consumers));
    }

    public DispatchSchedule schedule() {
        return ours;
    }

    public ReferenceSchedule reference() {
        return reference;
    }

    /** The side-by-side table, lines separated by {@code \n}, ending with a newline. */
    public String toText() {
        int producers = ours.producers();
        int consumers = ours.consumers();
        StringBuilder text = new StringBuilder();
        text.append("Dispatch schedule: ")
                .append(producers)
                .append(producers == 1 ? " producer -> " : " producers -> ")
                .append(consumers)
                .append(consumers == 1 ? " consumer" : " consumers");
        if (consumers == 0) {
            return text.append(" (no inference subtask: the producers run the model in place)\n")
                    .toString();
        }
        text.append(", fair load ")
                .append(Fraction.of(producers, consumers))
                .append(" producers per consumer\n");

        ScheduleStats mine = ours.stats();
        ScheduleStats theirs = reference.stats();
        List<String[]> rows = new ArrayList<>();
        rows.add(
                new String[] {
                    "consumer",
                    "tandem load",
                    "tandem producers",
                    "reference load",
                    "reference producers"
                });
        for (int c = 0; c < consumers; c++) {
            rows.add(
                    new String[] {
                        Integer.toString(c),
                        mine.loadOf(c).toString(),
                        producersCell(mine.producersOf(c)),
                        theirs.loadOf(c).toString(),
                        producersCell(theirs.producersOf(c))
                    });
        }
        rows.add(totalsRow("links", mine.links(), theirs.links()));
        rows.add(
                totalsRow(
                        "max producers/consumer",
                        mine.maxProducersPerConsumer(),
                        theirs.maxProducersPerConsumer()));
        rows.add(totalsRow("max burst", mine.maxBurst(), theirs.maxBurst()));
        rows.add(totalsRow("period", ours.period(), longestPeriod(reference)));

        int[] widths = new int[5];
        for (String[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        for (int r = 0; r < rows.size(); r++) {
            String[] row = rows.get(r);
            if (r == 1 || r == consumers + 1) {
                appendRule(text, widths);
            }
            for (int i = 0; i < row.length; i++) {
                if (i > 0) {
                    text.append(" | ");
                }
                text.append(row[i]);
                // No padding after the last column, so lines carry no trailing blanks.
                if (i < row.length - 1) {
                    text.append(" ".repeat(widths[i] - row[i].length()));
                }
            }
            text.append('\n');
        }
        return text.toString();
    }

    private static String[] totalsRow(String label, int mine, int theirs) {
        return new String[] {label, "", Integer.toString(mine), "", Integer.toString(theirs)};
    }

    private static void appendRule(StringBuilder text, int[] widths) {
        for (int i = 0; i < widths.length; i++) {
            if (i > 0) {
                text.append("-+-");
            }
            text.append("-".repeat(widths[i]));
        }
        text.append('\n');
    }

    private static int longestPeriod(PeriodicSchedule schedule) {
        int longest = 0;
        for (int p = 0; p < schedule.producers(); p++) {
            longest = Math.max(longest, schedule.periodOf(p).length);
        }
        return longest;
    }

    /** {@code "3: 0-1,5"}: how many producers, then which, with runs shortened to ranges. */
    static String producersCell(List<Integer> producers) {
        StringBuilder cell = new StringBuilder().append(producers.size()).append(": ");
        int i = 0;
        while (i < producers.size()) {
            int j = i;
            while (j + 1 < producers.size() && producers.get(j + 1) == producers.get(j) + 1) {
                j++;
            }
            if (i > 0) {
                cell.append(',');
            }
            cell.append(producers.get(i));
            if (j > i) {
                cell.append('-').append(producers.get(j));
            }
            i = j + 1;
        }
        return cell.toString();
    }

    /**
     * Tandem's schedule as {@code {"producers": P, "consumers": C, "schedules": [[c, c, ...],
     * ...]}} where {@code schedules[p]} is producer p's periodic list (empty lists when C = 0).
     * Spaced like Python's {@code json.dumps}, so it diffs cleanly against edsnlp's output.
     */
    public String toJson() {
        ObjectNode root = MAPPER.createObjectNode();
        root.put("producers", ours.producers());
        root.put("consumers", ours.consumers());
        ArrayNode schedules = root.putArray("schedules");
        for (int p = 0; p < ours.producers(); p++) {
            ArrayNode list = schedules.addArray();
            for (int consumer : ours.periodOf(p)) {
                list.add(consumer);
            }
        }
        try {
            return MAPPER.writer(new PythonStylePrinter()).writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return toText();
    }

    /** Compact JSON with a blank after each {@code :} and {@code ,}, as Python prints it. */
    private static final class PythonStylePrinter extends MinimalPrettyPrinter {

        private static final long serialVersionUID = 1L;

        @Override
        public void writeObjectFieldValueSeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(": ");
        }

        @Override
        public void writeObjectEntrySeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(", ");
        }

        @Override
        public void writeArrayValueSeparator(JsonGenerator generator) throws IOException {
            generator.writeRaw(", ");
        }
    }
}
