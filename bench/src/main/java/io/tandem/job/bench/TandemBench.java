package io.tandem.job.bench;

import io.tandem.job.cli.TandemCli;

/**
 * Entry point of {@code tandem-bench.jar}: Tandem's command line ({@link TandemCli}) with {@code
 * bench} added, so that {@code java -jar bench/target/tandem-bench.jar bench} runs the harness and
 * every other command works as with {@code tandem.jar}. The harness and JMH stay out of the job jar
 * that clusters get.
 */
public final class TandemBench {
    private TandemBench() {}

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    public static int execute(String... args) {
        return TandemCli.commandLine(new BenchCommand()).execute(args);
    }
}
