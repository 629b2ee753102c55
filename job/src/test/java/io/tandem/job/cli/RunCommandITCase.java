package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's first command, in process: the bundled corpus through the default pipeline. */
class RunCommandITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void sampleCorpusThroughTheDefaultPipeline() throws Exception {
        Path out = dir.resolve("out.jsonl");
        int exit =
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:2000",
                        "--output",
                        out.toString(),
                        "--cpu-workers",
                        "2",
                        "--no-progress");
        assertEquals(0, exit);

        List<String> lines = Files.readAllLines(out);
        assertEquals(2000, lines.size());
        assertEquals(0, Files.readAllLines(dir.resolve("out.dead-letter.jsonl")).size());
        long negated = 0;
        long affirmed = 0;
        for (int i = 0; i < lines.size(); i++) {
            JsonNode doc = JSON.readTree(lines.get(i));
            assertEquals("sample-" + i, doc.get("id").asText(), "input order");
            assertTrue(doc.get("entities").isArray());
            for (JsonNode entity : doc.get("entities")) {
                JsonNode flag = entity.get("attributes").get("negated");
                if (flag != null && flag.asBoolean()) {
                    negated++;
                } else {
                    affirmed++;
                }
            }
        }
        assertTrue(negated > 1000, "negated entities: " + negated);
        assertTrue(affirmed > negated, "affirmed entities: " + affirmed);
    }

    @Test
    void theLocalClusterIsGoneWhenTheCommandReturns() throws Exception {
        Path workingDirs = Files.createDirectory(dir.resolve("flink-working-dirs"));
        int exit =
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:50",
                        "--output",
                        dir.resolve("out.jsonl").toString(),
                        "--no-progress",
                        "-D",
                        "process.working-dir=" + workingDirs);
        assertEquals(0, exit);
        // The CLI exits right after: whatever the MiniCluster still had on disk would stay there.
        try (var left = Files.list(workingDirs)) {
            assertEquals(List.of(), left.toList(), "left behind in " + workingDirs);
        }
    }

    @Test
    void unorderedModeWritesTheSameLines() throws Exception {
        Path ordered = dir.resolve("ordered.jsonl");
        Path unordered = dir.resolve("unordered.jsonl");
        assertEquals(
                0,
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:300",
                        "--output",
                        ordered.toString(),
                        "--cpu-workers",
                        "2",
                        "--no-progress"));
        assertEquals(
                0,
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:300",
                        "--output",
                        unordered.toString(),
                        "--cpu-workers",
                        "2",
                        "--no-deterministic",
                        "--no-progress"));
        List<String> a = Files.readAllLines(ordered);
        List<String> b = Files.readAllLines(unordered);
        assertEquals(new java.util.TreeSet<>(a), new java.util.TreeSet<>(b));
        assertEquals(a.size(), b.size());
    }
}
