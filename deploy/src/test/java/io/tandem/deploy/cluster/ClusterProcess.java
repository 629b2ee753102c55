package io.tandem.deploy.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One JVM of the cluster (JobManager or TaskManager), with its log and console files. */
public final class ClusterProcess {
    private final String name;
    private final Process process;
    private final Path log;
    private final Path console;

    private ClusterProcess(String name, Process process, Path log, Path console) {
        this.name = name;
        this.process = process;
        this.log = log;
        this.console = console;
    }

    /**
     * Starts {@code command} with the inherited environment, minus {@code unset}, plus {@code
     * environment}; stdout and stderr go to {@code <name>.out} beside the log.
     */
    static ClusterProcess start(
            String name,
            List<String> command,
            Map<String, String> environment,
            List<String> unset,
            Path logDir,
            Path workingDir)
            throws IOException {
        Path console = logDir.resolve(name + ".out");
        ProcessBuilder builder =
                new ProcessBuilder(command)
                        .directory(workingDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(console.toFile());
        unset.forEach(builder.environment()::remove);
        builder.environment().putAll(environment);
        return new ClusterProcess(name, builder.start(), logDir.resolve(name + ".log"), console);
    }

    public String name() {
        return name;
    }

    /** The Flink log file of the process. */
    public Path logFile() {
        return log;
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** How the process ended, e.g. "exited with code 139 (SIGSEGV)"; "running" while it runs. */
    public String state() {
        if (process.isAlive()) {
            return "running";
        }
        int code = process.exitValue();
        return "exited with code " + code + signalName(code);
    }

    private static String signalName(int exitCode) {
        return switch (exitCode) {
            case 134 -> " (SIGABRT)";
            case 137 -> " (SIGKILL)";
            case 139 -> " (SIGSEGV)";
            case 143 -> " (SIGTERM)";
            default -> "";
        };
    }

    /** The command line as the kernel holds it ({@code /proc/<pid>/cmdline}), in bytes. */
    public long commandLineBytes() throws IOException {
        // procfs reports a size of 0: read it.
        return Files.readAllBytes(Path.of("/proc", Long.toString(process.pid()), "cmdline")).length;
    }

    /** Distinct files of {@code libraryName} mapped into the process ({@code /proc/<pid>/maps}). */
    public long mappedCopiesOf(String libraryName) throws IOException {
        return Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "maps")).stream()
                .map(line -> line.substring(line.lastIndexOf(' ') + 1))
                .filter(path -> path.endsWith("/" + libraryName))
                .distinct()
                .count();
    }

    /** The last lines of its console and log files, for failure messages. */
    public String tail(int lines) {
        return "---- "
                + name
                + " ("
                + state()
                + ") ----\n"
                + tail(console, lines)
                + tail(log, lines);
    }

    private static String tail(Path file, int lines) {
        try {
            if (!Files.exists(file)) {
                return "";
            }
            List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
            return "["
                    + file.getFileName()
                    + "]\n"
                    + String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()))
                    + "\n";
        } catch (IOException | RuntimeException e) {
            return "[" + file.getFileName() + ": " + e + "]\n";
        }
    }

    /** SIGKILL, as a crashed host or the kernel's OOM killer would end it; waits until it ended. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " still runs 30 s after SIGKILL");
        }
    }

    /**
     * SIGTERM (Flink shuts down cleanly), then SIGKILL if it is still there after the grace time.
     */
    void stop(long graceSeconds) throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(graceSeconds, TimeUnit.SECONDS);
        }
    }
}
