package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
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
        assertOneLine(run("run"), "tandem: Missing required option: '--output=<file.jsonl>'");
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
                "tandem: Input file '"
                        + dir.resolve("nope.jsonl")
                        + "' does not exist (expected a JSON Lines file or sample:N)");
    }

    @Test
    void outputInAMissingFolder() {
        Path output = dir.resolve("missing/o.jsonl");
        assertOneLine(
                run("run", "--output", output.toString(), "--no-progress"),
                "tandem: Output '"
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
                "tandem: Output '" + folder + "' is a directory, expected a file");
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
    void cpuWorkersLeavingNone() {
        int cpus = Runtime.getRuntime().availableProcessors();
        assertOneLine(
                run(
                        "run",
                        "--cpu-workers",
                        String.valueOf(-cpus),
                        "--output",
                        dir.resolve("o.jsonl").toString(),
                        "--no-progress"),
                "tandem: --cpu-workers " + -cpus + " leaves no CPU worker on " + cpus + " CPUs");
    }
}
