package io.tandem.job.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of {@code tandem.jar}. {@code tandem bench} lives in the bench module, whose jar
 * starts this command line with the bench subcommand added ({@link #commandLine(Object...)}).
 */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        version = TandemCli.VERSION,
        description = "NLP pipelines with GPU inference on Apache Flink.",
        subcommands = {RunCommand.class, ScheduleCommand.class})
public final class TandemCli {

    /** What --version prints; also the nlp_system of the NOTE_NLP rows a run writes. */
    public static final String VERSION = "tandem 0.1.0";

    /** Exit code for bad usage or configuration: the problem is on the command line. */
    public static final int EXIT_USAGE = 2;

    /** Exit code for a job that started and failed. */
    public static final int EXIT_FAILED = 1;

    public static void main(String[] args) {
        if (submittedByFlink()) {
            runForFlink(args);
        } else {
            System.exit(execute(args));
        }
    }

    /**
     * True when Flink itself calls {@link #main} for a cluster ({@code flink run}, the REST API's
     * {@code /jars/:id/run}, application mode): Flink has then set a context environment, so the
     * execution environment is not a local one.
     */
    public static boolean submittedByFlink() {
        return !(StreamExecutionEnvironment.getExecutionEnvironment()
                instanceof LocalStreamEnvironment);
    }

    /**
     * Runs the command inside Flink's own process (for the REST API and application mode, the
     * JobManager): {@code System.exit} would take that process down, so a failure is thrown
     * instead, with the one-line message, for Flink to report to whoever submitted.
     */
    static void runForFlink(String... args) {
        CommandLine cli = commandLine();
        StringWriter errors = new StringWriter();
        cli.setErr(new PrintWriter(new TeeWriter(cli.getErr(), errors), true));
        int exitCode = cli.execute(args);
        if (exitCode != 0) {
            throw new SubmissionFailedException(exitCode, errors.toString().strip());
        }
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    /**
     * Tandem's command line with its exit codes and one-line errors; {@code extraSubcommands} (each
     * a picocli {@code @Command}) are added first, so that they get the same handling.
     */
    public static CommandLine commandLine(Object... extraSubcommands) {
        CommandLine cli = new CommandLine(new TandemCli());
        for (Object subcommand : extraSubcommands) {
            cli.addSubcommand(subcommand);
        }
        cli.setParameterExceptionHandler(
                (ex, arguments) -> {
                    PrintWriter err = ex.getCommandLine().getErr();
                    String message = ex.getMessage();
                    if (arguments.length > 0
                            && arguments[0].equals("bench")
                            && !cli.getSubcommands().containsKey("bench")) {
                        message =
                                "bench is not in the job jar: run java -jar"
                                        + " bench/target/tandem-bench.jar bench";
                    }
                    err.println("tandem: " + message);
                    err.flush();
                    return EXIT_USAGE;
                });
        cli.setExecutionExceptionHandler(
                (ex, commandLine, parseResult) -> {
                    PrintWriter err = commandLine.getErr();
                    boolean verbose =
                            parseResult.subcommand() != null
                                    && parseResult.subcommand().hasMatchedOption("--verbose");
                    boolean usage =
                            ex instanceof UsageException || ex instanceof IllegalArgumentException;
                    err.println("tandem: " + (usage ? "" : "job failed: ") + rootMessage(ex));
                    if (verbose) {
                        ex.printStackTrace(err);
                    }
                    err.flush();
                    return usage ? EXIT_USAGE : EXIT_FAILED;
                });
        return cli;
    }

    /** The deepest cause's message: Flink wraps task failures several times. */
    static String rootMessage(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message = root.getMessage();
        return message == null ? root.getClass().getSimpleName() : message;
    }

    /** A failed command inside Flink's process, where an exit code cannot be returned. */
    public static final class SubmissionFailedException extends RuntimeException {
        private final int exitCode;

        SubmissionFailedException(int exitCode, String message) {
            super(
                    message.isEmpty()
                            ? "tandem exited with code " + exitCode
                            : message + " (exit code " + exitCode + ")");
            this.exitCode = exitCode;
        }

        public int exitCode() {
            return exitCode;
        }
    }

    /** Writes to both writers: the error stream as before, and a copy for the exception. */
    private static final class TeeWriter extends Writer {
        private final Writer first;
        private final Writer second;

        TeeWriter(Writer first, Writer second) {
            this.first = first;
            this.second = second;
        }

        @Override
        public void write(char[] chars, int offset, int length) throws java.io.IOException {
            first.write(chars, offset, length);
            second.write(chars, offset, length);
        }

        @Override
        public void flush() throws java.io.IOException {
            first.flush();
            second.flush();
        }

        @Override
        public void close() throws java.io.IOException {
            flush();
        }
    }

    /** A problem with the command line or configuration, reported in one line with exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
