package io.tandem.deploy.cluster;

import io.tandem.deploy.config.FlinkYaml;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * A standalone Flink session cluster as separate processes, started the way Flink's {@code
 * bin/jobmanager.sh} and {@code bin/taskmanager.sh} start one, from Maven artifacts instead of a
 * distribution: a {@code conf/config.yaml}, {@code BashJavaUtils} for the memory parameters, then
 * {@code StandaloneSessionClusterEntrypoint} and {@code TaskManagerRunner}. Everything lives in one
 * work folder; {@link #close()} stops every process it started.
 */
public final class StandaloneCluster implements AutoCloseable {

    /** The JVM options of Flink 2.2's default {@code conf/config.yaml}, needed on Java 17. */
    public static final String JAVA_17_OPTIONS =
            String.join(
                    " ",
                    "--add-exports=java.base/sun.net.util=ALL-UNNAMED",
                    "--add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.api=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.parser=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.tree=ALL-UNNAMED",
                    "--add-exports=jdk.compiler/com.sun.tools.javac.util=ALL-UNNAMED",
                    "--add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang=ALL-UNNAMED",
                    "--add-opens=java.base/java.net=ALL-UNNAMED",
                    "--add-opens=java.base/java.io=ALL-UNNAMED",
                    "--add-opens=java.base/java.nio=ALL-UNNAMED",
                    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
                    "--add-opens=java.base/java.lang.reflect=ALL-UNNAMED",
                    "--add-opens=java.base/java.text=ALL-UNNAMED",
                    "--add-opens=java.base/java.time=ALL-UNNAMED",
                    "--add-opens=java.base/java.util=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED",
                    "--add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED");

    private static final String BASH_JAVA_UTILS =
            "org.apache.flink.runtime.util.bash.BashJavaUtils";
    private static final String BASH_JAVA_UTILS_PREFIX = "BASH_JAVA_UTILS_EXEC_RESULT:";
    private static final String LOG4J_PROPERTIES =
            String.join(
                    "\n",
                    "rootLogger.level = INFO",
                    "rootLogger.appenderRef.file.ref = MainAppender",
                    "appender.main.name = MainAppender",
                    "appender.main.type = File",
                    "appender.main.fileName = ${sys:log.file}",
                    "appender.main.layout.type = PatternLayout",
                    "appender.main.layout.pattern = %d{HH:mm:ss,SSS} %-5p %-60c %x - %m%n",
                    "logger.pekko.name = org.apache.pekko",
                    "logger.pekko.level = WARN",
                    "");

    /**
     * What to start.
     *
     * @param workDir an empty folder for configuration, logs, temporary files and plugins
     * @param classpath the classpath of every process (the jars of a distribution's {@code lib/})
     * @param configuration Flink configuration; addresses, ports and folders are set by the cluster
     * @param taskManagers how many TaskManagers
     * @param taskManagerEnvironment extra environment variables of the TaskManagers
     * @param unsetEnvironment inherited environment variables removed from every process, so that a
     *     test shows what it sets rather than what its caller happened to export
     * @param plugins plugin jars by plugin folder name, installed under {@code plugins/}
     * @param startTimeout how long the JobManager and then the TaskManagers may take to come up
     * @param taskManagerProperties per TaskManager (in start order), configuration entries that
     *     override the shared configuration as dynamic properties ({@code -D key=value}), as a
     *     heterogeneous pool sets them in each host's own configuration; may be shorter than the
     *     TaskManagers
     */
    public record Settings(
            Path workDir,
            String classpath,
            Map<String, Object> configuration,
            int taskManagers,
            Map<String, String> taskManagerEnvironment,
            List<String> unsetEnvironment,
            Map<String, Path> plugins,
            Duration startTimeout,
            List<Map<String, String>> taskManagerProperties) {

        /** Every TaskManager configured alike. */
        public Settings(
                Path workDir,
                String classpath,
                Map<String, Object> configuration,
                int taskManagers,
                Map<String, String> taskManagerEnvironment,
                List<String> unsetEnvironment,
                Map<String, Path> plugins,
                Duration startTimeout) {
            this(
                    workDir,
                    classpath,
                    configuration,
                    taskManagers,
                    taskManagerEnvironment,
                    unsetEnvironment,
                    plugins,
                    startTimeout,
                    List.of());
        }
    }

    private final Settings settings;
    private final Path confDir;
    private final Path logDir;
    private final Path pluginsDir;
    private final URI restAddress;
    private final List<ClusterProcess> processes = new ArrayList<>();
    private final List<ClusterProcess> taskManagers = new ArrayList<>();
    private final Thread shutdownHook;
    private ClusterProcess jobManager;

    private StandaloneCluster(Settings settings, int restPort) {
        this.settings = settings;
        this.confDir = settings.workDir().resolve("conf");
        this.logDir = settings.workDir().resolve("log");
        this.pluginsDir = settings.workDir().resolve("plugins");
        this.restAddress = URI.create("http://localhost:" + restPort);
        // Last resort if the test JVM is stopped before close(): no cluster process outlives it.
        this.shutdownHook = new Thread(this::stopQuietly, "stop-standalone-cluster");
    }

    /** Starts the JobManager and the TaskManagers and waits until every TaskManager registered. */
    public static StandaloneCluster start(Settings settings) throws Exception {
        StandaloneCluster cluster = new StandaloneCluster(settings, freePort());
        Runtime.getRuntime().addShutdownHook(cluster.shutdownHook);
        try {
            cluster.startProcesses();
            return cluster;
        } catch (Exception | Error e) {
            cluster.close();
            throw e;
        }
    }

    private void startProcesses() throws Exception {
        for (Path dir : List.of(confDir, logDir, pluginsDir, tmpDir())) {
            Files.createDirectories(dir);
        }
        for (Map.Entry<String, Path> plugin : settings.plugins().entrySet()) {
            Path folder = Files.createDirectories(pluginsDir.resolve(plugin.getKey()));
            Files.copy(plugin.getValue(), folder.resolve(plugin.getValue().getFileName()));
        }
        Map<String, Object> configuration = new LinkedHashMap<>();
        configuration.put("env.java.opts.all", JAVA_17_OPTIONS);
        configuration.putAll(settings.configuration());
        configuration.put("jobmanager.rpc.address", "localhost");
        configuration.put("jobmanager.rpc.port", Integer.toString(freePort()));
        configuration.put("jobmanager.bind-host", "localhost");
        configuration.put("taskmanager.host", "localhost");
        configuration.put("taskmanager.bind-host", "localhost");
        configuration.put("rest.address", "localhost");
        configuration.put("rest.bind-address", "localhost");
        configuration.put("rest.port", Integer.toString(restAddress.getPort()));
        configuration.put("io.tmp.dirs", tmpDir().toString());
        Files.writeString(confDir.resolve("config.yaml"), FlinkYaml.toConfigYaml(configuration));
        Files.writeString(confDir.resolve("log4j.properties"), LOG4J_PROPERTIES);
        List<String> javaOptions = splitOnSpaces((String) configuration.get("env.java.opts.all"));

        ResourceParameters jobManagerParameters = resourceParameters("GET_JM_RESOURCE_PARAMS");
        jobManager =
                launch(
                        "jobmanager",
                        jobManagerParameters,
                        javaOptions,
                        "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                        List.of(),
                        Map.of());
        FlinkRest rest = rest();
        rest.awaitTaskManagers(0, settings.startTimeout(), this::checkAlive);

        ResourceParameters taskManagerParameters = resourceParameters("GET_TM_RESOURCE_PARAMS");
        for (int i = 1; i <= settings.taskManagers(); i++) {
            // Names the TaskManager in the REST API after its process.
            List<String> properties =
                    new ArrayList<>(List.of("-D", "taskmanager.resource-id=taskmanager-" + i));
            if (i <= settings.taskManagerProperties().size()) {
                settings.taskManagerProperties()
                        .get(i - 1)
                        .forEach(
                                (key, value) ->
                                        properties.addAll(List.of("-D", key + "=" + value)));
            }
            taskManagers.add(
                    launch(
                            "taskmanager-" + i,
                            taskManagerParameters,
                            javaOptions,
                            "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                            properties,
                            settings.taskManagerEnvironment()));
        }
        rest.awaitTaskManagers(settings.taskManagers(), settings.startTimeout(), this::checkAlive);
    }

    /** JVM parameters and dynamic properties, as {@code BashJavaUtils} prints them. */
    private record ResourceParameters(List<String> jvmParameters, List<String> dynamicProperties) {}

    private ResourceParameters resourceParameters(String command) throws Exception {
        Path output = logDir.resolve("bash-java-utils-" + command + ".out");
        Process process =
                new ProcessBuilder(
                                javaBinary(),
                                "-cp",
                                settings.classpath(),
                                BASH_JAVA_UTILS,
                                command,
                                "--configDir",
                                confDir.toString())
                        .redirectErrorStream(true)
                        .redirectOutput(output.toFile())
                        .start();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IllegalStateException("BashJavaUtils " + command + " did not finish");
        }
        List<String> results =
                Files.readAllLines(output, StandardCharsets.UTF_8).stream()
                        .filter(line -> line.startsWith(BASH_JAVA_UTILS_PREFIX))
                        .map(line -> line.substring(BASH_JAVA_UTILS_PREFIX.length()))
                        .toList();
        if (process.exitValue() != 0 || results.size() < 2) {
            throw new IllegalStateException(
                    "BashJavaUtils "
                            + command
                            + " failed (exit code "
                            + process.exitValue()
                            + "):\n"
                            + Files.readString(output));
        }
        // As Flink's config.sh: the last two lines are the JVM parameters and the dynamic
        // properties ("-D key=value -D key=value ...").
        return new ResourceParameters(
                splitOnSpaces(results.get(results.size() - 2)),
                splitOnSpaces(results.get(results.size() - 1)));
    }

    private ClusterProcess launch(
            String name,
            ResourceParameters resources,
            List<String> javaOptions,
            String mainClass,
            List<String> extraDynamicProperties,
            Map<String, String> environment)
            throws IOException {
        List<String> command = new ArrayList<>();
        command.add(javaBinary());
        command.addAll(resources.jvmParameters());
        command.addAll(javaOptions);
        command.add("-Djava.io.tmpdir=" + tmpDir());
        command.add("-Dlog.file=" + logDir.resolve(name + ".log"));
        command.add("-Dlog4j.configurationFile=file:" + confDir.resolve("log4j.properties"));
        command.add("-cp");
        command.add(settings.classpath());
        command.add(mainClass);
        command.add("--configDir");
        command.add(confDir.toString());
        command.addAll(resources.dynamicProperties());
        command.addAll(extraDynamicProperties);
        Map<String, String> processEnvironment = new LinkedHashMap<>(environment);
        // Where Flink's PluginManager looks for plugins/<name>/*.jar.
        processEnvironment.put("FLINK_PLUGINS_DIR", pluginsDir.toString());
        processEnvironment.put("FLINK_CONF_DIR", confDir.toString());
        ClusterProcess process =
                ClusterProcess.start(
                        name,
                        command,
                        processEnvironment,
                        settings.unsetEnvironment(),
                        logDir,
                        settings.workDir());
        processes.add(process);
        return process;
    }

    public URI restAddress() {
        return restAddress;
    }

    public FlinkRest rest() {
        return new FlinkRest(restAddress);
    }

    public ClusterProcess jobManager() {
        return jobManager;
    }

    public List<ClusterProcess> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /** Fails naming every process that is no longer running, with the end of its logs. */
    public void checkAlive() {
        List<ClusterProcess> dead = processes.stream().filter(p -> !p.isAlive()).toList();
        if (!dead.isEmpty()) {
            throw new IllegalStateException(
                    "Cluster processes died: "
                            + dead.stream()
                                    .map(p -> p.name() + " " + p.state())
                                    .collect(Collectors.joining(", "))
                            + "\n"
                            + dead.stream().map(p -> p.tail(30)).collect(Collectors.joining()));
        }
    }

    /** The end of every process's logs, for failure messages. */
    public String diagnostics() {
        return processes.stream().map(p -> p.tail(25)).collect(Collectors.joining());
    }

    private Path tmpDir() {
        return settings.workDir().resolve("tmp");
    }

    /** Stops the TaskManagers, then the JobManager. */
    @Override
    public void close() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: it stops the processes.
        }
        stop();
    }

    private void stop() throws InterruptedException {
        List<ClusterProcess> reversed = new ArrayList<>(processes);
        Collections.reverse(reversed);
        for (ClusterProcess process : reversed) {
            process.stop(15);
        }
    }

    private void stopQuietly() {
        try {
            stop();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static List<String> splitOnSpaces(String line) {
        return Arrays.stream(line.trim().split("\\s+")).filter(s -> !s.isEmpty()).toList();
    }

    private static String javaBinary() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    private static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("No free port", e);
        }
    }
}
