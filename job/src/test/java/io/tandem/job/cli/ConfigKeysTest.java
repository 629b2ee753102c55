package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.JobSetup;
import io.tandem.plan.CpuBudget;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.flink.configuration.ConfigOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Every {@code tandem.*} key is documented and really read: set through {@code -D}, it changes what
 * the run would do, and a bad value is refused with a message naming the key.
 */
class ConfigKeysTest {
    @TempDir Path dir;

    private Path output;
    private Path pipelineFile;
    private Path propertiesFile;
    private Path inputFolder;

    @BeforeEach
    void files() throws Exception {
        output = dir.resolve("o.jsonl");
        pipelineFile =
                Files.writeString(dir.resolve("p.yaml"), "components:\n  - type: tokenizer\n");
        propertiesFile = Files.writeString(dir.resolve("client.properties"), "client.id=x\n");
        // A JSON Lines file and one whose name says no format: only a forced format reads both.
        inputFolder = Files.createDirectory(dir.resolve("in"));
        Files.writeString(inputFolder.resolve("a.jsonl"), "{\"id\":\"a\",\"text\":\"x\"}\n");
        Files.writeString(inputFolder.resolve("b.txt"), "{\"id\":\"b\",\"text\":\"y\"}\n");
    }

    /** A value for each key that differs from its default, and the mode it applies to. */
    private Map<String, String> changedValues() {
        Map<String, String> values = new LinkedHashMap<>();
        values.put("tandem.input", "sample:7");
        values.put("tandem.jdbc.input-table", "cdm.note");
        values.put("tandem.jdbc.input-query", "SELECT note_id, note_text FROM note");
        values.put("tandem.jdbc.output-table", "cdm.note_nlp");
        values.put("tandem.jdbc.dead-letter-table", "cdm.note_nlp_dead_letter");
        values.put("tandem.jdbc.properties", jdbcProperties().toString());
        values.put("tandem.jdbc.read-splits", "3");
        values.put("tandem.jdbc.write-batch-size", "10");
        values.put("tandem.jdbc.follow", "true");
        values.put("tandem.jdbc.follow-interval", "5s");
        values.put("tandem.jdbc.follow-gap-timeout", "1min");
        values.put("tandem.jdbc.commit", "xa");
        values.put("tandem.input-format", "jsonl");
        values.put("tandem.id-column", "note_id");
        values.put("tandem.text-column", "body");
        values.put("tandem.output", dir.resolve("other.jsonl").toString());
        values.put("tandem.output-format", "parquet");
        values.put("tandem.dead-letter-output", dir.resolve("dl.jsonl").toString());
        values.put("tandem.pipeline", pipelineFile.toString());
        values.put("tandem.progress.interval", "1s");
        values.put("tandem.cpu-workers", "3");
        values.put("tandem.gpu-workers", "2");
        values.put("tandem.gpu-devices", "0,1");
        values.put("tandem.device", "cpu");
        values.put("tandem.intra-op-threads", "2");
        values.put("tandem.batch-size", "32 docs");
        values.put("tandem.chunk-size", "64");
        values.put("tandem.max-batch-delay", "50ms");
        values.put("tandem.batches-in-flight-per-link", "3");
        values.put("tandem.deterministic", "false");
        values.put("tandem.chain-consecutive-models", "true");
        values.put("tandem.max-text-chars", "500");
        values.put("tandem.dead-letter.max-raw-bytes", "10");
        values.put("tandem.forward-timeout", "30s");
        values.put("tandem.forward-retry-timeout", "2s");
        values.put("tandem.circuit-breaker.enabled", "false");
        values.put("tandem.circuit-breaker.failure-ratio", "0.9");
        values.put("tandem.circuit-breaker.window", "500");
        values.put("tandem.circuit-breaker.min-documents", "50");
        values.put("tandem.slot-resources.declare", "false");
        values.put("tandem.slot-resources.gpu.resource-name", "gpu2");
        values.put("tandem.slot-resources.gpu.cpu-cores", "2.0");
        values.put("tandem.slot-resources.gpu.task-heap-memory", "512m");
        values.put("tandem.slot-resources.gpu.task-off-heap-memory", "512m");
        values.put("tandem.slot-resources.cpu.cpu-cores", "2.0");
        values.put("tandem.slot-resources.cpu.task-heap-memory", "512m");
        values.put("tandem.slot-resources.cpu.task-off-heap-memory", "128m");
        values.put("tandem.kafka.bootstrap", "elsewhere:9092");
        values.put("tandem.kafka.input-topic", "in2");
        values.put("tandem.kafka.output-topic", "out2");
        values.put("tandem.kafka.dlq-topic", "dead");
        values.put("tandem.kafka.group-id", "g");
        values.put("tandem.kafka.starting-offsets", "earliest");
        values.put("tandem.kafka.stop-at-latest-offsets", "true");
        values.put("tandem.kafka.properties-file", propertiesFile.toString());
        values.put("tandem.kafka.delivery", "at-least-once");
        values.put("tandem.kafka.transactional-id-prefix", "p");
        values.put("tandem.kafka.transaction-timeout", "20min");
        values.put("tandem.kafka.status-interval", "1min");
        values.put("tandem.web-ui.port", "9090");
        values.put("tandem.web-ui.bind", "0.0.0.0");
        values.put("tandem.web-ui.linger", "5min");
        return values;
    }

    private Path jdbcProperties() {
        Path file = dir.resolve("jdbc.properties");
        try {
            Files.writeString(file, "user=tandem\n");
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    private List<String> baseOptions(String key) {
        if (key.startsWith("tandem.jdbc.follow-")) {
            // The follow mode's settings apply to a followed input only.
            return List.of(
                    "tandem.input=jdbc:postgresql://localhost:1/cdm",
                    "tandem.output=jdbc:postgresql://localhost:1/cdm",
                    "tandem.jdbc.follow=true");
        }
        if (key.startsWith("tandem.jdbc.")) {
            // Checked without a connection: only run's build() reaches the database.
            return List.of(
                    "tandem.input=jdbc:postgresql://localhost:1/cdm",
                    "tandem.output=jdbc:postgresql://localhost:1/cdm");
        }
        if (key.startsWith("tandem.slot-resources.")) {
            // Slot resources are declared for inference subtasks only.
            return List.of(
                    "tandem.output=" + output,
                    "tandem.gpu-workers=1",
                    "tandem.slot-resources.declare=true");
        }
        if (key.startsWith("tandem.web-ui.")) {
            return List.of("tandem.output=" + output, "tandem.web-ui.port=8081");
        }
        if (List.of("tandem.input-format", "tandem.id-column", "tandem.text-column")
                .contains(key)) {
            return List.of("tandem.output=" + output, "tandem.input=" + inputFolder);
        }
        if (key.equals("tandem.output-format")) {
            // A path that is neither a file nor a folder yet: each format takes it.
            return List.of("tandem.output=" + dir.resolve("parts"));
        }
        return key.startsWith("tandem.kafka.")
                ? List.of(
                        "tandem.kafka.bootstrap=localhost:9092",
                        "tandem.kafka.input-topic=in",
                        "tandem.kafka.output-topic=out")
                : List.of("tandem.output=" + output);
    }

    /** The run command's setup for {@code -D} options, on an 8-CPU budget with no cap. */
    private static JobSetup setup(List<String> options) {
        return RunOptions.builder(options).build();
    }

    /** As {@link #setup}, but creating no output, so that one path can serve both formats. */
    private static JobSetup checked(List<String> options) {
        return RunOptions.builder(options).sanityCheck();
    }

    private static String refusal(String... options) {
        return assertThrows(IllegalArgumentException.class, () -> setup(List.of(options)))
                .getMessage();
    }

    @Test
    void everyKeyIsTestedHere() {
        assertEquals(
                new TreeSet<>(keys()),
                new TreeSet<>(changedValues().keySet()),
                "a new key needs a value here that changes the setup");
    }

    @Test
    void everyKeySetThroughDChangesTheSetup() {
        for (Map.Entry<String, String> change : changedValues().entrySet()) {
            String key = change.getKey();
            List<String> base = baseOptions(key);
            List<String> changed = new ArrayList<>(base);
            changed.removeIf(option -> option.startsWith(key + "="));
            changed.add(key + "=" + change.getValue());
            assertNotEquals(
                    checked(base).describe(),
                    checked(changed).describe(),
                    key + "=" + change.getValue() + " changed nothing");
        }
    }

    @Test
    void everyKeyIsDocumentedInTheReadme() throws Exception {
        String readme = Files.readString(Path.of("..", "README.md"));
        Set<String> documented = new TreeSet<>();
        Matcher key = Pattern.compile("`(tandem\\.[a-z.-]+)`").matcher(readme);
        while (key.find()) {
            documented.add(key.group(1));
        }
        assertEquals(new TreeSet<>(keys()), documented);
    }

    @Test
    void badValuesAreRefusedNamingTheKey() throws Exception {
        assertEquals(
                "tandem.batch-size: '32 tokens' is not a batch size; expected '<positive integer>"
                        + " docs|words|padded_words', e.g. '32 docs'",
                refusal("tandem.output=" + output, "tandem.batch-size=32 tokens"));
        assertEquals(
                "tandem.chunk-size: '0' is not a whole number of 1 or more; expected e.g. 256",
                refusal("tandem.output=" + output, "tandem.chunk-size=0"));
        assertEquals(
                "tandem.max-batch-delay: 'soon' is not a duration of 1 ms or more; expected e.g."
                        + " 50ms or 1s",
                refusal("tandem.output=" + output, "tandem.max-batch-delay=soon"));
        assertEquals(
                "tandem.deterministic: 'maybe' is not a boolean; expected true or false",
                refusal("tandem.output=" + output, "tandem.deterministic=maybe"));
        assertEquals(
                "tandem.device: 'tpu' is not one of auto, cpu, cuda",
                refusal("tandem.output=" + output, "tandem.device=tpu"));
        assertEquals(
                "tandem.web-ui.port: '70000' is not a port; expected 0 to 65535, e.g. 8081",
                refusal("tandem.output=" + output, "tandem.web-ui.port=70000"));
        assertEquals(
                "tandem.web-ui.port: 'x' is not a whole number of 0 or more; expected e.g. 8081",
                refusal("tandem.output=" + output, "tandem.web-ui.port=x"));
        assertEquals(
                "tandem.intra-op-threads: '-1' is not a whole number of 0 or more; expected e.g."
                        + " 1 (0 lets ONNX Runtime choose)",
                refusal("tandem.output=" + output, "tandem.intra-op-threads=-1"));
        assertEquals(
                "tandem.gpu-devices: '0,x' is not a list of whole numbers; expected e.g. 0,1",
                refusal("tandem.output=" + output, "tandem.gpu-devices=0,x"));
        assertEquals(
                "tandem.cpu-workers 0: at least one CPU worker is needed (a negative value -N"
                        + " means all CPUs but N)",
                refusal("tandem.output=" + output, "tandem.cpu-workers=0"));
        assertEquals(
                "tandem.pipeline: '"
                        + dir.resolve("nope.yaml")
                        + "' does not exist; expected a pipeline configuration, JSON or YAML",
                refusal("tandem.output=" + output, "tandem.pipeline=" + dir.resolve("nope.yaml")));
        assertEquals(
                "tandem.input: '"
                        + dir.resolve("nope.jsonl")
                        + "' does not exist; expected a .jsonl, .jsonl.gz or .parquet file, a"
                        + " folder, a glob or sample:N",
                refusal("tandem.output=" + output, "tandem.input=" + dir.resolve("nope.jsonl")));
        assertEquals(
                "tandem.input: '"
                        + dir.resolve("*.parquet")
                        + "' names no input file; expected .jsonl, .jsonl.gz or .parquet files, or"
                        + " tandem.input-format",
                refusal("tandem.output=" + output, "tandem.input=" + dir.resolve("*.parquet")));
        assertEquals(
                "tandem.input-format: 'csv' is not one of jsonl, parquet, omop",
                refusal(
                        "tandem.output=" + output,
                        "tandem.input=" + inputFolder,
                        "tandem.input-format=csv"));
        assertEquals(
                "tandem.text-column: '' is not a column name; expected e.g. text",
                refusal(
                        "tandem.output=" + output,
                        "tandem.input=" + inputFolder,
                        "tandem.text-column= "));
        assertEquals(
                "tandem.output-format: 'csv' is not one of jsonl, parquet, omop",
                refusal("tandem.output=" + output, "tandem.output-format=csv"));
        assertEquals(
                "tandem.output: '"
                        + output
                        + "' is a file; expected a folder for Parquet part files"
                        + " (tandem.output-format parquet)",
                refusal(
                        "tandem.output=" + Files.writeString(output, ""),
                        "tandem.output-format=parquet"));
        assertEquals(
                "tandem.kafka.delivery: 'twice' is not one of exactly-once, at-least-once, none",
                refusal(
                        "tandem.kafka.bootstrap=localhost:9092",
                        "tandem.kafka.input-topic=in",
                        "tandem.kafka.output-topic=out",
                        "tandem.kafka.delivery=twice"));
        assertEquals(
                "tandem.kafka.properties-file: '"
                        + dir.resolve("nope.properties")
                        + "' does not exist; expected a Kafka client properties file",
                refusal(
                        "tandem.kafka.bootstrap=localhost:9092",
                        "tandem.kafka.input-topic=in",
                        "tandem.kafka.output-topic=out",
                        "tandem.kafka.properties-file=" + dir.resolve("nope.properties")));
    }

    @Test
    void keysOfTheOtherModeAndUnknownKeysAreRefused() {
        assertEquals(
                "tandem.batchsize: unknown key; did you mean tandem.batch-size?",
                refusal("tandem.output=" + output, "tandem.batchsize=32 docs"));
        assertEquals(
                "tandem.kafka.group-id is for Kafka mode, which needs tandem.kafka.bootstrap too",
                refusal("tandem.output=" + output, "tandem.kafka.group-id=g"));
        assertEquals(
                "tandem.output is for files; Kafka mode reads tandem.kafka.input-topic and writes"
                        + " tandem.kafka.output-topic",
                refusal(
                        "tandem.kafka.bootstrap=localhost:9092",
                        "tandem.kafka.input-topic=in",
                        "tandem.kafka.output-topic=out",
                        "tandem.output=" + output));
        assertEquals(
                "Kafka mode needs tandem.kafka.output-topic",
                refusal("tandem.kafka.bootstrap=localhost:9092", "tandem.kafka.input-topic=in"));
        assertEquals(
                "Missing tandem.output (or tandem.kafka.bootstrap with topics for a continuous"
                        + " job)",
                refusal());
    }

    @Test
    void theCommandLineNamesTheFlagForAKeyItSetAndTheKeyForADOption() {
        assertEquals(
                "tandem: --chunk-size: '0' is not a whole number of 1 or more; expected e.g. 256"
                        + System.lineSeparator(),
                cliErrors("run", "--output", output.toString(), "--chunk-size", "0"));
        assertEquals(
                "tandem: tandem.chunk-size: '0' is not a whole number of 1 or more; expected e.g."
                        + " 256"
                        + System.lineSeparator(),
                cliErrors("run", "--output", output.toString(), "-D", "tandem.chunk-size=0"));
        assertEquals(
                "tandem: --input: '"
                        + dir.resolve("*.parquet")
                        + "' names no input file; expected .jsonl, .jsonl.gz or .parquet files, or"
                        + " --input-format"
                        + System.lineSeparator(),
                cliErrors(
                        "run",
                        "--input",
                        dir.resolve("*.parquet").toString(),
                        "--output",
                        output.toString()));
        assertEquals(
                "tandem: --kafka-properties: '"
                        + dir.resolve("nope.properties")
                        + "' does not exist; expected a Kafka client properties file"
                        + System.lineSeparator(),
                cliErrors(
                        "run",
                        "--kafka-bootstrap",
                        "localhost:9092",
                        "--input-topic",
                        "in",
                        "--output-topic",
                        "out",
                        "--kafka-properties",
                        dir.resolve("nope.properties").toString()));
    }

    @Test
    void flagsAndDOptionsMeanTheSame() {
        JobSetup byFlags = setup(List.of("tandem.output=" + output, "tandem.batch-size=32 docs"));
        RunCommand command = new RunCommand();
        new CommandLine(command)
                .parseArgs("--output", output.toString(), "--batch-size", "32 docs");
        assertEquals(
                byFlags.describe(),
                JobSetup.builder(command.configuration())
                        .cpuBudget(CpuBudget.fixed(8))
                        .environment(Map.of())
                        .build()
                        .describe());
        assertTrue(byFlags.describe().contains("32 docs"), byFlags.describe());
    }

    private static List<String> keys() {
        return JobSetup.tandemOptions().stream()
                .map(ConfigOption::key)
                .collect(Collectors.toList());
    }

    private static String cliErrors(String... args) {
        CommandLine cli = TandemCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(TandemCli.EXIT_USAGE, cli.execute(args), err.toString());
        return err.toString();
    }
}
