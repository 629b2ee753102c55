package io.tandem.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.parse.ParseOptions;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.source.FileInputSource;
import io.tandem.source.InputFiles;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** Every input line ends in exactly one of the output and the dead-letter output. */
class TandemJobITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    /** Fails on one document, as a buggy user component would. */
    static final class TestingExplodingComponent implements PipelineComponent {
        @Override
        public String name() {
            return "exploding";
        }

        @Override
        public void process(Doc doc) {
            if (doc.text().contains("EXPLODE")) {
                throw new IllegalStateException("component exploded on " + doc.id());
            }
        }
    }

    @Test
    void goodLinesReachTheOutputInOrderAndBadOnesTheDeadLetterFileWithReasons() throws Exception {
        Path in = dir.resolve("mixed.jsonl");
        runMixedInput(in, FileInputSource.of(in), 1);
    }

    /**
     * Read in byte ranges of 512 bytes (about 40 splits) by a reader per CPU subtask, each chained
     * to its parser: the ordered sink still writes input order, and each dead letter names its
     * line, counted across the ranges.
     */
    @Test
    void linesReadInByteRangesByEveryCpuSubtaskKeepInputOrderAndTheirLineNumbers()
            throws Exception {
        Path in = dir.resolve("mixed.jsonl");
        runMixedInput(
                in,
                new FileInputSource(new InputFiles(in.toString(), null, 512), "id", "text", null),
                2);
    }

    /**
     * Writes 300 lines, good and bad, to {@code in}, runs them from {@code source} on 2 CPU
     * subtasks and checks both outputs.
     */
    private void runMixedInput(Path in, FileInputSource source, int sourceParallelism)
            throws Exception {
        Map<Integer, String> expectedReasons = new java.util.TreeMap<>();
        List<String> goodIds = new ArrayList<>();
        ByteArrayOutputStream input = new ByteArrayOutputStream();
        int lineNo = 0;
        for (int i = 0; i < 300; i++) {
            String line;
            String reason = null;
            switch (i % 10) {
                case 3 -> {
                    line = "{\"id\": \"d" + i + "\", \"text\": \"unterminated";
                    reason = "malformed JSON";
                }
                case 5 -> {
                    line = "{\"text\": \"no id here\"}";
                    reason = "missing field 'id'";
                }
                case 6 -> {
                    line = "{\"id\": \"d" + i + "\", \"text\": \"" + "x".repeat(300) + "\"}";
                    reason = "field 'text' has 300 characters, over the limit of 200";
                }
                case 8 -> {
                    line = "{\"id\": \"d" + i + "\", \"text\": \"EXPLODE here\"}";
                    reason = "component exploded on d" + i;
                }
                default -> {
                    line =
                            "{\"id\": \"d"
                                    + i
                                    + "\", \"text\": \"Patient denies fever. Known asthma.\"}";
                    goodIds.add("d" + i);
                }
            }
            if (i == 17) {
                input.write(new byte[] {'{', '"', (byte) 0xFF, '"', '}'});
                reason = "invalid UTF-8 at byte 2";
                goodIds.remove("d17");
            } else if (i == 27) {
                reason = "field 'text' must be a string";
                input.write("{\"id\": \"d27\", \"text\": 12}".getBytes(StandardCharsets.UTF_8));
                goodIds.remove("d27");
            } else {
                input.write(line.getBytes(StandardCharsets.UTF_8));
            }
            input.write('\n');
            lineNo++;
            if (reason != null) {
                expectedReasons.put(lineNo, reason);
            }
        }
        Files.write(in, input.toByteArray());
        Path out = dir.resolve("out.jsonl");
        Path dead = dir.resolve("out.dead-letter.jsonl");

        Configuration options = new Configuration();
        options.set(ParseOptions.MAX_TEXT_CHARS, 200);
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .normalizer()
                        .add(new TestingExplodingComponent())
                        .build();
        Configuration cluster = new Configuration();
        // Every record on Tandem's edges has a dedicated serializer: fail rather than use Kryo.
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        new TandemJob(options, pipeline, 2)
                .attach(
                        env,
                        source,
                        sourceParallelism,
                        new JsonLinesFileSink(out, dead, true, null));
        env.execute("mixed");

        List<String> outputLines = Files.readAllLines(out);
        List<String> deadLines = Files.readAllLines(dead);
        assertEquals(300, outputLines.size() + deadLines.size());
        assertEquals(goodIds.size(), outputLines.size());
        assertEquals(expectedReasons.size(), deadLines.size());

        List<String> outputIds = new ArrayList<>();
        for (String line : outputLines) {
            outputIds.add(JSON.readTree(line).get("id").asText());
        }
        assertEquals(goodIds, outputIds, "output keeps input order");

        List<Integer> deadLineNumbers = new ArrayList<>();
        for (String line : deadLines) {
            JsonNode dl = JSON.readTree(line);
            int number = dl.get("source").get("line").asInt();
            deadLineNumbers.add(number);
            String reason = dl.get("reason").asText();
            assertTrue(
                    reason.startsWith(expectedReasons.get(number)),
                    "line " + number + ": " + reason);
            assertTrue(dl.get("raw").isTextual());
        }
        assertEquals(new ArrayList<>(expectedReasons.keySet()), deadLineNumbers);
    }
}
