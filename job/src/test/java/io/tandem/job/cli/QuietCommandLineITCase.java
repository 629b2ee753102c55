package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.ParquetNotes;
import io.tandem.sample.SampleCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a user sees of {@code tandem run}: the command in a JVM of its own, with the command line's
 * own logging configuration, every line of its standard output and error caught.
 */
class QuietCommandLineITCase {
    private static final SampleCorpus CORPUS = new SampleCorpus(SampleCorpus.DEFAULT_SEED);

    @TempDir Path dir;

    private record Run(int exitCode, List<String> lines) {}

    /** {@code java io.tandem.job.cli.TandemCli args} on this test's class path. */
    private Run tandem(String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        // The command line's configuration, not the tests' (which logs nothing).
        command.add("-Dlog4j2.configurationFile=log4j2.properties");
        command.add(TandemCli.class.getName());
        command.addAll(List.of(args));
        Path output = dir.resolve("console.txt");
        Process process =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
        process.getOutputStream().close();
        if (!process.waitFor(5, TimeUnit.MINUTES)) {
            process.destroyForcibly();
            throw new AssertionError(
                    "tandem did not end in 5 minutes: " + Files.readString(output));
        }
        return new Run(process.exitValue(), Files.readAllLines(output));
    }

    @Test
    void aBadUsageRunPrintsItsOneErrorLineAndNothingElse() throws Exception {
        Run run = tandem("run", "--input", "sample:10", "--no-progress");
        assertEquals(TandemCli.EXIT_USAGE, run.exitCode(), String.join("\n", run.lines()));
        assertEquals(
                List.of(
                        "tandem: Missing --output (or --kafka-bootstrap with topics for a"
                                + " continuous job)"),
                run.lines());
    }

    @Test
    void aSuccessfulParquetRunWithCheckpointsLogsNoWarning() throws Exception {
        Path input = dir.resolve("notes.parquet");
        List<String> notes = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            notes.add(CORPUS.generate(i).toJsonLine());
        }
        ParquetNotes.write(input, CompressionCodecName.SNAPPY, notes);
        Path output = dir.resolve("out");
        // Frequent checkpoints: some meet tasks that already finished their input.
        Run run =
                tandem(
                        "run",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--output-format",
                        "parquet",
                        "--checkpoint-interval",
                        "100ms",
                        "--cpu-workers",
                        "1",
                        "--no-progress");
        String console = String.join("\n", run.lines());
        assertEquals(0, run.exitCode(), console);
        assertEquals(300, ParquetNotes.rows(output), console);

        List<String> warnings =
                run.lines().stream()
                        .filter(line -> line.contains(" WARN ") || line.contains(" ERROR "))
                        .toList();
        assertEquals(List.of(), warnings, console);
        assertTrue(
                run.lines().stream().noneMatch(line -> line.startsWith("\tat ")),
                "no stack trace expected:\n" + console);
        assertTrue(
                run.lines().stream().anyMatch(line -> line.contains("INFO  RunCommand - GPUs: ")),
                "a run that starts names the GPUs it found:\n" + console);
    }
}
