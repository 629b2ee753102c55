package io.tandem.job.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.job.cli.TandemCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The input the known-answer tests write and the command-line runs they make of it. */
final class KnownAnswerRuns {
    private static final ObjectMapper JSON = new ObjectMapper();

    static final String[] IN_PLACE = {"--cpu-workers", "1", "--gpu-workers", "0"};
    static final String[] SPLIT = {"--cpu-workers", "1", "--gpu-workers", "1"};

    private KnownAnswerRuns() {}

    /** Writes one JSON line a text to {@code file}, the i-th with id {@code note-<i>}. */
    static Path writeNotes(Path file, List<String> texts) throws IOException {
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", "note-" + i);
            line.put("text", texts.get(i));
            lines.add(JSON.writeValueAsString(line));
        }
        return Files.write(file, lines);
    }

    /**
     * Runs the command line on {@code input} in {@code layout} ({@link #IN_PLACE} or {@link
     * #SPLIT}), in batches of 8 documents, writing {@code <name>.jsonl} in {@code dir}; asserts it
     * exits 0 with no dead letters and returns the output lines.
     */
    static List<String> run(Path dir, String name, Path pipeline, String input, String... layout)
            throws Exception {
        Path out = dir.resolve(name + ".jsonl");
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--input",
                                input,
                                "--output",
                                out.toString(),
                                "--pipeline",
                                pipeline.toString(),
                                "--no-progress",
                                "--batch-size",
                                "8 docs",
                                "--max-batch-delay",
                                "1h"));
        args.addAll(List.of(layout));
        assertEquals(0, TandemCli.execute(args.toArray(String[]::new)), name);
        assertEquals(
                0, Files.size(dir.resolve(name + ".dead-letter.jsonl")), name + " dead letters");
        return Files.readAllLines(out);
    }
}
