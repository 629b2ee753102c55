package io.tandem.job.jdbc;

import io.tandem.job.cli.TandemCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * {@code tandem} in a JVM of its own, on this test's class path and with the command line's own
 * logging configuration, its console caught in a file: a run the test can SIGKILL, and whose log it
 * reads.
 */
record Separate(Process process, Path console) {

    static Separate start(Path dir, String... args) throws Exception {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx1g");
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("-Dlog4j2.configurationFile=log4j2.properties");
        command.add(TandemCli.class.getName());
        command.addAll(List.of(args));
        Path console = dir.resolve("console-" + UUID.randomUUID() + ".txt");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .redirectErrorStream(true)
                        .redirectOutput(console.toFile());
        builder.environment().put("ORT_DISABLE_TELEMETRY", "1");
        Process process = builder.start();
        process.getOutputStream().close();
        return new Separate(process, console);
    }

    /** Runs {@code tandem args} to its end. */
    static Separate tandem(Path dir, String... args) throws Exception {
        Separate run = start(dir, args);
        if (!run.process.waitFor(5, TimeUnit.MINUTES)) {
            run.process.destroyForcibly();
            throw new AssertionError("tandem did not end in 5 minutes:\n" + run.text());
        }
        return run;
    }

    int exitCode() {
        return process.exitValue();
    }

    List<String> lines() throws Exception {
        return Files.readAllLines(console);
    }

    String text() throws Exception {
        return String.join("\n", lines());
    }
}
