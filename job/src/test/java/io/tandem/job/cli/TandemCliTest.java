package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.hf.MiniLmExport;
import io.tandem.models.TinyModel;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** Command-line errors: one line naming the problem, exit code 2, no stack trace. */
class TandemCliTest {
    @TempDir Path dir;

    private record Result(int exitCode, String err) {}

    private static Result run(String... args) {
        CommandLine cli = TandemCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        return new Result(cli.execute(args), err.toString());
    }

    /** {@code tandem run} with a pipeline file holding {@code yaml}, writing into {@link #dir}. */
    private Result runPipeline(String yaml) throws IOException {
        Path config = dir.resolve("p.yaml");
        Files.writeString(config, yaml);
        return run(
                "run",
                "--pipeline",
                config.toString(),
                "--output",
                dir.resolve("o.jsonl").toString(),
                "--no-progress");
    }

    private static void assertOneLine(Result result, String expected) {
        assertEquals(TandemCli.EXIT_USAGE, result.exitCode(), result.err());
        assertEquals(expected + System.lineSeparator(), result.err());
        assertFalse(result.err().contains("\tat "), "no stack trace expected");
    }

    @Test
    void unknownOption() {
        assertOneLine(
                run("run", "--output", dir.resolve("o.jsonl").toString(), "--frobnicate"),
                "tandem: Unknown option: '--frobnicate'");
    }

    @Test
    void missingRequiredOutput() {
        assertOneLine(
                run("run"),
                "tandem: Missing --output (or --kafka-bootstrap with topics for a continuous job)");
    }

    @Test
    void missingInputFile() {
        assertOneLine(
                run(
                        "run",
                        "--input",
                        dir.resolve("nope.jsonl").toString(),
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress"),
                "tandem: --input: '"
                        + dir.resolve("nope.jsonl")
                        + "' does not exist; expected a .jsonl, .jsonl.gz or .parquet file, a"
                        + " folder, a glob or sample:N");
    }

    @Test
    void outputInAMissingFolder() {
        Path output = dir.resolve("missing/o.jsonl");
        assertOneLine(
                run("run", "--output", output.toString(), "--no-progress"),
                "tandem: --output: '"
                        + output
                        + "' cannot be written: folder "
                        + dir.resolve("missing")
                        + " does not exist");
    }

    @Test
    void outputIsAFolder() throws Exception {
        Path folder = Files.createDirectory(dir.resolve("out"));
        assertOneLine(
                run("run", "--output", folder.toString(), "--no-progress"),
                "tandem: --output: '" + folder + "' is a directory; expected a file");
    }

    @Test
    void badSampleSpec() {
        Result result =
                run(
                        "run",
                        "--input",
                        "sample:abc",
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress");
        assertEquals(TandemCli.EXIT_USAGE, result.exitCode(), result.err());
        assertFalse(result.err().contains("\tat "));
    }

    @Test
    void theSampleCorpusIsRefusedForOmopOutputWhoseNoteIdsAreIntegers() {
        assertOneLine(
                run(
                        "run",
                        "--output",
                        dir.resolve("note_nlp.jsonl").toString(),
                        "--output-format",
                        "omop",
                        "--no-progress"),
                "tandem: --input: 'sample:1000' is the bundled sample corpus, whose ids (sample-0,"
                        + " sample-1, ...) are not the integer note_ids NOTE_NLP needs: every note"
                        + " would be a dead letter; expected notes with integer ids (an OMOP NOTE"
                        + " export with --input-format omop, or a jdbc:postgresql:// NOTE table)");
    }

    @Test
    void cpuWorkersLeavingNone() {
        int cpus = io.tandem.plan.CpuBudget.detect().cpus();
        assertOneLine(
                run(
                        "run",
                        "--cpu-workers",
                        String.valueOf(-cpus),
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress"),
                "tandem: --cpu-workers "
                        + -cpus
                        + " means all CPUs but "
                        + cpus
                        + ", which leaves 0 CPU workers with a budget of "
                        + cpus
                        + " CPUs; expected N below "
                        + cpus);
    }

    @Test
    void badBatchSize() {
        assertOneLine(
                run(
                        "run",
                        "--batch-size",
                        "32 tokens",
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress"),
                "tandem: --batch-size: '32 tokens' is not a batch size; expected '<positive integer>"
                        + " docs|words|padded_words', e.g. '32 docs'");
    }

    /** What the refusals of checkpointing the split layout's join cannot take end with. */
    private static final String JOIN_NEEDS_ALIGNED_BARRIERS =
            " with inference subtasks (--gpu-workers 1): the postprocess join needs aligned"
                    + " barriers, or every checkpoint finds batches in flight and fails"
                    + " (--gpu-workers 0 runs the model in place, which takes it)";

    private Result runSplitWith(String option) {
        return run(
                "run",
                "--gpu-workers",
                "1",
                "--cpu-workers",
                "1",
                "-D",
                option,
                "--output",
                dir.resolve("o.jsonl").toString(),
                "--no-progress");
    }

    @Test
    void atLeastOnceCheckpointsAreRefusedWithInferenceSubtasks() {
        assertOneLine(
                runSplitWith("execution.checkpointing.mode=AT_LEAST_ONCE"),
                "tandem: execution.checkpointing.mode: 'AT_LEAST_ONCE' is not supported; expected"
                        + " EXACTLY_ONCE"
                        + JOIN_NEEDS_ALIGNED_BARRIERS);
    }

    @Test
    void unalignedCheckpointsAreRefusedWithInferenceSubtasks() {
        assertOneLine(
                runSplitWith("execution.checkpointing.unaligned.enabled=true"),
                "tandem: execution.checkpointing.unaligned.enabled: 'true' is not supported;"
                        + " expected false (aligned checkpoints)"
                        + JOIN_NEEDS_ALIGNED_BARRIERS);
    }

    @Test
    void forcedUnalignedCheckpointsAreRefusedWithInferenceSubtasks() {
        assertOneLine(
                runSplitWith("execution.checkpointing.unaligned.forced=true"),
                "tandem: execution.checkpointing.unaligned.forced: 'true' is not supported;"
                        + " expected false (aligned checkpoints)"
                        + JOIN_NEEDS_ALIGNED_BARRIERS);
    }

    @Test
    void theDeprecatedUnalignedKeyIsRefusedByItsOwnName() {
        assertOneLine(
                runSplitWith("execution.checkpointing.unaligned=true"),
                "tandem: execution.checkpointing.unaligned: 'true' is not supported; expected"
                        + " false (aligned checkpoints)"
                        + JOIN_NEEDS_ALIGNED_BARRIERS);
    }

    @Test
    void aBadCheckpointingModeIsNamedInEitherLayout() {
        assertOneLine(
                run(
                        "run",
                        "--gpu-workers",
                        "0",
                        "-D",
                        "execution.checkpointing.mode=twice",
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress"),
                "tandem: execution.checkpointing.mode: 'twice' is not one of exactly-once,"
                        + " at-least-once");
    }

    @Test
    void badPipelineKeyIsNamed() throws Exception {
        assertOneLine(
                runPipeline("components:\n  - type: tokenizer\n  - type: terms\n    lexicn: x\n"),
                "tandem: --pipeline: components[1].lexicn: unknown key for component 'terms'; expected one of [labels, languages, lexicon, terms]");
    }

    @Test
    void aTokenizerOfAnotherModelIsNamedWithTheModelAndBothSizes() throws Exception {
        // MiniLM's graph and config with the tiny model's tokenizer: it would run, on wrong rows.
        Path model = MiniLmExport.layOut(dir.resolve("minilm"));
        try (InputStream tiny =
                TandemCliTest.class
                        .getClassLoader()
                        .getResourceAsStream(TinyModel.TOKENIZER_RESOURCE)) {
            Files.copy(tiny, model.resolve("tokenizer.json"), StandardCopyOption.REPLACE_EXISTING);
        }
        assertOneLine(
                runPipeline("components:\n  - type: embeddings\n    model: " + model + "\n"),
                "tandem: --pipeline: components[0]: Tokenizer file:"
                        + model.resolve("tokenizer.json")
                        + " has 696 ids but the word-embedding table"
                        + " 'embeddings.word_embeddings.weight_quantized' of file:"
                        + model.resolve("model.onnx")
                        + " has 30522 rows: they are not from the same model; expected 29569 to"
                        + " 30522 ids (an export may pad its vocabulary by up to 953)");
    }

    @Test
    void aTokenizerWithMoreIdsThanTheModelIsNamedWithTheConfigAndBothSizes() throws Exception {
        // The tiny model with MiniLM's tokenizer: documents holding an id past its table would
        // fail.
        Path model = Files.createDirectories(dir.resolve("tiny"));
        for (String resource : List.of(TinyModel.MODEL_RESOURCE, TinyModel.CONFIG_RESOURCE)) {
            try (InputStream in =
                    TandemCliTest.class.getClassLoader().getResourceAsStream(resource)) {
                Files.copy(in, model.resolve(Path.of(resource).getFileName()));
            }
        }
        Files.copy(
                MiniLmExport.layOut(dir.resolve("minilm")).resolve("tokenizer.json"),
                model.resolve("tokenizer.json"));
        assertOneLine(
                runPipeline("components:\n  - type: ner\n    model: " + model + "\n"),
                "tandem: --pipeline: components[0]: Tokenizer file:"
                        + model.resolve("tokenizer.json")
                        + " has 30522 ids but file:"
                        + model.resolve("config.json")
                        + " declares vocab_size 696: they are not from the same model; expected"
                        + " 568 to 696 ids (an export may pad its vocabulary by up to 128)");
    }

    @Test
    void benchFromTheJobJarNamesTheBenchJar() {
        assertOneLine(
                run("bench", "--quick"),
                "tandem: bench is not in the job jar: run java -jar bench/target/tandem-bench.jar"
                        + " bench");
    }

    @Test
    void schedulePrintsOneJsonObject() {
        CommandLine cli = TandemCli.commandLine();
        StringWriter out = new StringWriter();
        cli.setOut(new PrintWriter(out));
        assertEquals(0, cli.execute("schedule", "--producers", "2", "--consumers", "3", "--json"));
        assertEquals(
                "{\"producers\": 2, \"consumers\": 3, \"schedules\": [[0, 1, 0], [1, 2, 2]]}"
                        + System.lineSeparator(),
                out.toString());
    }

    @Test
    void fromJavaJarTheCommandRunsLocally() {
        assertFalse(TandemCli.submittedByFlink());
    }

    @Test
    void underFlinksContextEnvironmentTheCommandIsSubmittedByFlink() {
        // What flink run, the REST API and application mode do before they call main.
        FlinkContext.set();
        try {
            assertTrue(TandemCli.submittedByFlink());
        } finally {
            FlinkContext.reset();
        }
    }

    @Test
    void insideFlinkABadCommandThrowsInsteadOfExiting() {
        TandemCli.SubmissionFailedException failure =
                assertThrows(
                        TandemCli.SubmissionFailedException.class,
                        () ->
                                TandemCli.runForFlink(
                                        "run",
                                        "--output",
                                        dir.resolve("o.jsonl").toString(),
                                        "--frobnicate"));
        assertEquals(TandemCli.EXIT_USAGE, failure.exitCode());
        assertEquals("tandem: Unknown option: '--frobnicate' (exit code 2)", failure.getMessage());
    }

    /** Sets a non-local context environment, as Flink's clients do. */
    private static final class FlinkContext extends StreamExecutionEnvironment {
        static void set() {
            initializeContextEnvironment(FlinkContext::new);
        }

        static void reset() {
            resetContextEnvironment();
        }

        private FlinkContext(Configuration configuration) {
            super(configuration);
        }
    }
}
