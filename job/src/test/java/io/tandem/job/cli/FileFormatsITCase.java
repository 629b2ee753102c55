package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.job.ParquetNotes;
import io.tandem.job.sink.ParquetParts;
import io.tandem.sample.SampleCorpus;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder of JSON Lines, gzip and Parquet through the command line, out as JSON Lines and as
 * Parquet. The Parquet output is read back with parquet-mr's generic record reader, not the path
 * that wrote it, and must hold the same documents and entities as the JSON Lines output.
 */
class FileFormatsITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SampleCorpus CORPUS = new SampleCorpus(SampleCorpus.DEFAULT_SEED);

    @TempDir Path dir;

    @Test
    void aFolderOfThreeFormatsGivesTheSameDocumentsAsJsonLinesAndAsParquet() throws Exception {
        Path input = Files.createDirectories(dir.resolve("corpus"));
        Files.write(input.resolve("a.jsonl"), sampleLines(0, 150));
        try (OutputStream out =
                new GZIPOutputStream(Files.newOutputStream(input.resolve("b.jsonl.gz")))) {
            out.write(String.join("\n", sampleLines(150, 300)).getBytes(StandardCharsets.UTF_8));
        }
        // Rows as another tool would write them (zstd), and a last row without an id.
        ParquetNotes.write(
                input.resolve("c.parquet"),
                CompressionCodecName.ZSTD,
                sampleLines(300, 400),
                "a note without an id");

        Path jsonl = dir.resolve("out.jsonl");
        assertEquals(0, run(input, jsonl, "jsonl"));
        Path parquet = dir.resolve("out-parquet");
        assertEquals(0, run(input, parquet, "parquet"));

        List<String> lines = Files.readAllLines(jsonl);
        assertEquals(400, lines.size());
        Map<String, String> fromJsonLines = new TreeMap<>();
        for (int i = 0; i < lines.size(); i++) {
            JsonNode doc = JSON.readTree(lines.get(i));
            assertEquals("sample-" + i, doc.get("id").asText(), "input order across files");
            fromJsonLines.put(doc.get("id").asText(), entities(doc.get("entities")));
        }
        Map<String, String> fromParquet = readBack(parquet);
        assertEquals(fromJsonLines, fromParquet);

        for (Path deadLetters :
                List.of(
                        dir.resolve("out.dead-letter.jsonl"),
                        dir.resolve("out-parquet.dead-letter.jsonl"))) {
            List<String> letters = Files.readAllLines(deadLetters);
            assertEquals(1, letters.size(), deadLetters.toString());
            JsonNode letter = JSON.readTree(letters.get(0));
            assertEquals(
                    "missing field 'id': expected a non-empty string",
                    letter.get("reason").asText());
            assertEquals(
                    input.resolve("c.parquet").toAbsolutePath().toString(),
                    letter.get("source").get("origin").asText());
            assertEquals(100, letter.get("source").get("row").asLong());
        }
    }

    /** {@code tandem run} from {@code input} to {@code output} in {@code format}, 2 CPU workers. */
    static int run(Path input, Path output, String format) {
        return TandemCli.execute(
                "run",
                "--input",
                input.toString(),
                "--output",
                output.toString(),
                "--output-format",
                format,
                "--cpu-workers",
                "2",
                "--no-progress");
    }

    private static List<String> sampleLines(int from, int to) {
        List<String> lines = new ArrayList<>();
        for (int i = from; i < to; i++) {
            lines.add(CORPUS.generate(i).toJsonLine());
        }
        return lines;
    }

    /** Every part file, through parquet-mr's generic Group records. */
    private static Map<String, String> readBack(Path folder) throws Exception {
        Map<String, String> docs = new TreeMap<>();
        for (Group row : ParquetParts.records(folder)) {
            docs.put(row.getString("id", 0), entities(row.getGroup("entities", 0)));
        }
        return docs;
    }

    private static String entities(JsonNode entities) {
        StringBuilder out = new StringBuilder();
        for (JsonNode e : entities) {
            out.append(e.get("start").asInt())
                    .append('-')
                    .append(e.get("end").asInt())
                    .append(' ')
                    .append(e.get("label").asText())
                    .append(' ')
                    .append(e.get("text").asText())
                    .append(' ')
                    .append(e.get("attributes"))
                    .append(';');
        }
        return out.toString();
    }

    private static String entities(Group list) throws Exception {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < list.getFieldRepetitionCount("list"); i++) {
            Group e = list.getGroup("list", i).getGroup("element", 0);
            out.append(e.getInteger("start", 0))
                    .append('-')
                    .append(e.getInteger("end", 0))
                    .append(' ')
                    .append(e.getString("label", 0))
                    .append(' ')
                    .append(e.getString("text", 0))
                    .append(' ')
                    .append(JSON.readTree(e.getString("attributes", 0)))
                    .append(';');
        }
        return out.toString();
    }
}
