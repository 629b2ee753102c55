package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CPU/GPU split changes where the forward pass runs, never the result: inference subtasks (the
 * CPU execution provider standing in for the GPU) give the same output, line for line, as the CPU
 * subtasks running the model themselves.
 */
class SplitEquivalenceITCase {
    @TempDir Path dir;

    private List<String> run(String name, String... extra) throws Exception {
        Path out = dir.resolve(name + ".jsonl");
        String[] base = {
            "run",
            "--input",
            "sample:3000",
            "--output",
            out.toString(),
            "--no-progress",
            "--batch-size",
            "2000 padded_words",
            "--max-batch-delay",
            "20ms"
        };
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        assertEquals(0, TandemCli.execute(args), name);
        assertEquals(
                0, Files.size(dir.resolve(name + ".dead-letter.jsonl")), name + " dead letters");
        return Files.readAllLines(out);
    }

    @Test
    void inferenceSubtasksGiveTheSameOutputAsInPlaceInference() throws Exception {
        List<String> inPlace = run("in-place", "--cpu-workers", "1", "--gpu-workers", "0");
        List<String> split = run("split", "--cpu-workers", "2", "--gpu-workers", "1");
        List<String> unordered =
                run("unordered", "--cpu-workers", "2", "--gpu-workers", "1", "--no-deterministic");

        assertEquals(3000, inPlace.size());
        assertTrue(inPlace.get(0).startsWith("{\"id\":\"sample-0\""), inPlace.get(0));
        assertTrue(
                inPlace.stream().anyMatch(line -> line.contains("\"source\":\"ner\"")),
                "model entities present");
        assertEquals(inPlace, split, "line for line, in input order");
        assertEquals(new TreeSet<>(inPlace), new TreeSet<>(unordered), "same set of lines");
        assertEquals(inPlace.size(), unordered.size());
    }
}
