package io.tandem.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.parse.ResultLine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Reads the results an operator emitted into a test harness's output or side output: the ids of
 * processed documents and of dead letters, and the dead letters' reasons, each in emission order.
 * The one place the operator tests depend on the result type. A {@code null} output is an empty
 * one: a harness makes a side output on its first record.
 */
public final class TestingResults {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TestingResults() {}

    /** Ids of all documents, processed or dead letters, in the order they were emitted. */
    public static List<String> ids(Collection<?> output) {
        List<String> ids = new ArrayList<>();
        for (ResultLine line : results(output)) {
            ids.add(line.deadLetter ? idOf(line) : line.key);
        }
        return ids;
    }

    /** Ids of the processed documents, in the order they were emitted. */
    public static List<String> outputIds(Collection<?> output) {
        List<String> ids = new ArrayList<>();
        for (ResultLine line : results(output)) {
            if (!line.deadLetter) {
                ids.add(line.key);
            }
        }
        return ids;
    }

    /** Ids of the documents that became dead letters, in the order they were emitted. */
    public static List<String> deadLetterIds(Collection<?> output) {
        List<String> ids = new ArrayList<>();
        for (ResultLine line : results(output)) {
            if (line.deadLetter) {
                ids.add(idOf(line));
            }
        }
        return ids;
    }

    /** Why each dead letter failed, in the order they were emitted. */
    public static List<String> deadLetterReasons(Collection<?> output) {
        List<String> reasons = new ArrayList<>();
        for (ResultLine line : results(output)) {
            if (line.deadLetter) {
                reasons.add(deadLetter(line).path("reason").asText());
            }
        }
        return reasons;
    }

    private static List<ResultLine> results(Collection<?> output) {
        List<ResultLine> lines = new ArrayList<>();
        if (output == null) {
            return lines; // a harness makes a side output on its first record
        }
        for (Object element : output) {
            if (element instanceof StreamRecord<?> record
                    && record.getValue() instanceof ResultLine line) {
                lines.add(line);
            }
        }
        return lines;
    }

    private static JsonNode deadLetter(ResultLine line) {
        return parse(line.json);
    }

    /** A dead letter of a parsed document carries the document rebuilt as its raw value. */
    private static String idOf(ResultLine deadLetter) {
        return parse(deadLetter(deadLetter).path("raw").asText()).path("id").asText();
    }

    private static JsonNode parse(String json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("Not JSON: " + json, e);
        }
    }
}
