package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code --follow} refused at start-up, before any connection, with one line naming the value and
 * what is expected: it follows NOTE over JDBC into NOTE_NLP, polling at a positive interval.
 */
class FollowStartUpTest {
    private static final String DATABASE = "jdbc:postgresql://localhost:1/cdm";

    @TempDir Path dir;

    @Test
    void followWithoutAJdbcInputIsRefused() {
        String input = dir.resolve("notes.jsonl").toString();
        assertEquals(
                "tandem: --follow follows an OMOP NOTE table; expected a jdbc:postgresql://"
                        + " --input, got '"
                        + input
                        + "'",
                errors("run", "--follow", "--input", input, "--output", DATABASE));
    }

    @Test
    void followIntoAFileOutputIsRefused() {
        String output = dir.resolve("out.jsonl").toString();
        assertEquals(
                "tandem: --follow runs until cancelled, which only a NOTE_NLP output can;"
                        + " expected a jdbc:postgresql:// --output, got '"
                        + output
                        + "' (a file output is for a bounded run)",
                errors("run", "--follow", "--input", DATABASE, "--output", output));
    }

    @Test
    void aFollowIntervalOfZeroIsRefused() {
        assertEquals(
                "tandem: --follow-interval: '0s' is not a duration of 1 ms or more; expected e.g."
                        + " 50ms or 1s",
                errors(
                        "run",
                        "--follow",
                        "--follow-interval",
                        "0s",
                        "--input",
                        DATABASE,
                        "--output",
                        DATABASE));
        assertEquals(
                "tandem: tandem.jdbc.follow-gap-timeout: 'soon' is not a duration; expected e.g."
                        + " 50ms or 1s",
                errors(
                        "run",
                        "--follow",
                        "-D",
                        "tandem.jdbc.follow-gap-timeout=soon",
                        "--input",
                        DATABASE,
                        "--output",
                        DATABASE));
    }

    @Test
    void followInKafkaModeIsRefused() {
        assertEquals(
                "tandem: --follow follows an OMOP NOTE table; Kafka mode follows --input-topic"
                        + " already",
                errors(
                        "run",
                        "--follow",
                        "--kafka-bootstrap",
                        "localhost:9092",
                        "--input-topic",
                        "in",
                        "--output-topic",
                        "out"));
    }

    /** The CLI's error output; asserts the usage exit code and that it is one line. */
    private static String errors(String... args) {
        CommandLine cli = TandemCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(TandemCli.EXIT_USAGE, cli.execute(args), err.toString());
        String text = err.toString();
        assertEquals(1, text.lines().count(), text);
        return text.strip();
    }
}
