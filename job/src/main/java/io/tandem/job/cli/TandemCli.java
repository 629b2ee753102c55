package io.tandem.job.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code tandem.jar}. */
@Command(
        name = "tandem",
        mixinStandardHelpOptions = true,
        version = "tandem 0.1.0",
        description = "NLP pipelines with GPU inference on Apache Flink.",
        subcommands = {RunCommand.class, ScheduleCommand.class, BenchCommand.class})
public final class TandemCli {

    /** Exit code for bad usage or configuration: the problem is on the command line. */
    public static final int EXIT_USAGE = 2;

    /** Exit code for a job that started and failed. */
    public static final int EXIT_FAILED = 1;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return commandLine().execute(args);
    }

    static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new TandemCli());
        cli.setParameterExceptionHandler(
                (ex, arguments) -> {
                    PrintWriter err = ex.getCommandLine().getErr();
                    err.println("tandem: " + ex.getMessage());
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

    /** A problem with the command line or configuration, reported in one line with exit code 2. */
    public static final class UsageException extends RuntimeException {
        public UsageException(String message) {
            super(message);
        }
    }
}
