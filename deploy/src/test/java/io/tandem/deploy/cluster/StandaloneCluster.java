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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.highavailability.ClientHighAvailabilityServices;
import org.apache.flink.runtime.highavailability.HighAvailabilityServicesUtils;
import org.apache.flink.runtime.leaderretrieval.LeaderRetrievalService;
import org.apache.flink.runtime.util.LeaderRetrievalUtils;

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
     * @param jobManagers how many JobManagers, each with its own REST port: more than one only with
     *     high availability in the configuration, where one leads and the others stand by
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
            List<Map<String, String>> taskManagerProperties,
            int jobManagers) {

        /** One JobManager. */
        public Settings(
                Path workDir,
                String classpath,
                Map<String, Object> configuration,
                int taskManagers,
                Map<String, String> taskManagerEnvironment,
                List<String> unsetEnvironment,
                Map<String, Path> plugins,
                Duration startTimeout,
                List<Map<String, String>> taskManagerProperties) {
            this(
                    workDir,
                    classpath,
                    configuration,
                    taskManagers,
                    taskManagerEnvironment,
                    unsetEnvironment,
                    plugins,
                    startTimeout,
                    taskManagerProperties,
                    1);
        }

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
                    List.of(),
                    1);
        }
    }

    private final Settings settings;
    private final Path confDir;
    private final Path logDir;
    private final Path pluginsDir;
    private final URI restAddress;
    private final List<ClusterProcess> processes = new ArrayList<>();
    private final List<ClusterProcess> jobManagers = new ArrayList<>();
    private final List<ClusterProcess> taskManagers = new ArrayList<>();
    private final Map<ClusterProcess, URI> restAddresses = new LinkedHashMap<>();
    private final Set<ClusterProcess> killed = new HashSet<>();
    private final Thread shutdownHook;
    private Map<String, Object> configuration;
    private List<String> javaOptions;
    private ResourceParameters taskManagerParameters;

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
        configuration = new LinkedHashMap<>();
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
        javaOptions = splitOnSpaces((String) configuration.get("env.java.opts.all"));

        ResourceParameters jobManagerParameters = resourceParameters("GET_JM_RESOURCE_PARAMS");
        for (int i = 1; i <= settings.jobManagers(); i++) {
            // The first JobManager has the configured REST and RPC ports, each other one its own
            // (as standalone HA's masters file gives each JobManager its web UI port). With high
            // availability the RPC port is high-availability.jobmanager.port's instead.
            URI rest = i == 1 ? restAddress : URI.create("http://localhost:" + freePort());
            List<String> properties =
                    i == 1
                            ? List.of()
                            : List.of(
                                    "-D",
                                    "rest.port=" + rest.getPort(),
                                    "-D",
                                    "jobmanager.rpc.port=" + freePort());
            ClusterProcess jobManager =
                    launch(
                            settings.jobManagers() == 1 ? "jobmanager" : "jobmanager-" + i,
                            jobManagerParameters,
                            javaOptions,
                            "org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint",
                            properties,
                            Map.of());
            jobManagers.add(jobManager);
            restAddresses.put(jobManager, rest);
        }
        for (URI rest : restAddresses.values()) {
            new FlinkRest(rest).awaitTaskManagers(0, settings.startTimeout(), this::checkAlive);
        }

        taskManagerParameters = resourceParameters("GET_TM_RESOURCE_PARAMS");
        for (int i = 1; i <= settings.taskManagers(); i++) {
            launchTaskManager();
        }
        rest().awaitTaskManagers(
                        settings.taskManagers(), settings.startTimeout(), this::checkAlive);
    }

    /**
     * Starts one more TaskManager, named {@code taskmanager-<n>} after its start order, as an
     * operator replaces a lost host; it registers with the leading JobManager on its own.
     */
    public ClusterProcess startTaskManager() throws IOException {
        return launchTaskManager();
    }

    private ClusterProcess launchTaskManager() throws IOException {
        int number = taskManagers.size() + 1;
        // Names the TaskManager in the REST API after its process.
        List<String> properties =
                new ArrayList<>(List.of("-D", "taskmanager.resource-id=taskmanager-" + number));
        if (number <= settings.taskManagerProperties().size()) {
            settings.taskManagerProperties()
                    .get(number - 1)
                    .forEach((key, value) -> properties.addAll(List.of("-D", key + "=" + value)));
        }
        ClusterProcess taskManager =
                launch(
                        "taskmanager-" + number,
                        taskManagerParameters,
                        javaOptions,
                        "org.apache.flink.runtime.taskexecutor.TaskManagerRunner",
                        properties,
                        settings.taskManagerEnvironment());
        taskManagers.add(taskManager);
        return taskManager;
    }

    /**
     * SIGKILL to one of the cluster's processes: no shutdown hook, no goodbye to the JobManager or
     * ZooKeeper, as when a host crashes. {@link #checkAlive()} no longer counts it.
     */
    public void kill(ClusterProcess process) throws InterruptedException {
        killed.add(process);
        process.kill();
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

    /** The REST address of the first JobManager. */
    public URI restAddress() {
        return restAddress;
    }

    /** The REST address of {@code jobManager}, one of {@link #jobManagers()}. */
    public URI restAddress(ClusterProcess jobManager) {
        URI address = restAddresses.get(jobManager);
        if (address == null) {
            throw new IllegalArgumentException(
                    jobManager.name() + " is not a JobManager of this cluster");
        }
        return address;
    }

    /**
     * The REST address the leading JobManager published through high availability (the address a
     * client such as {@code flink run} finds it by), waiting up to {@code timeout} for one other
     * than {@code formerLeader} (null: any) to be published: a killed leader's entry stays until
     * its ZooKeeper session expires.
     */
    public URI leaderRestAddress(URI formerLeader, Duration timeout) throws Exception {
        Configuration client = new Configuration();
        configuration.forEach(
                (key, value) -> {
                    if (key.startsWith("high-availability")) {
                        client.setString(key, value.toString());
                    }
                });
        long deadline = System.nanoTime() + timeout.toNanos();
        try (ClientHighAvailabilityServices services =
                HighAvailabilityServicesUtils.createClientHAService(
                        client,
                        // Only fails this lookup: retrieval below then times out naming it.
                        error -> System.err.println("Leader retrieval failed: " + error))) {
            while (true) {
                LeaderRetrievalService retrieval = services.getClusterRestEndpointLeaderRetriever();
                String address =
                        LeaderRetrievalUtils.retrieveLeaderInformation(retrieval, timeout)
                                .getLeaderAddress();
                URI leader = URI.create(address);
                if (!leader.equals(formerLeader)) {
                    return leader;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException(
                            "The leading JobManager is still published at "
                                    + formerLeader
                                    + " after "
                                    + timeout);
                }
                checkAlive();
                Thread.sleep(500);
            }
        }
    }

    /** The JobManager whose REST endpoint is {@code address}. */
    public ClusterProcess jobManagerAt(URI address) {
        return restAddresses.entrySet().stream()
                .filter(entry -> entry.getValue().getPort() == address.getPort())
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(
                        () ->
                                new IllegalArgumentException(
                                        "No JobManager of this cluster serves REST at "
                                                + address
                                                + "; they serve "
                                                + restAddresses.values()));
    }

    public FlinkRest rest() {
        return new FlinkRest(restAddress);
    }

    /** The first JobManager. */
    public ClusterProcess jobManager() {
        return jobManagers.get(0);
    }

    public List<ClusterProcess> jobManagers() {
        return List.copyOf(jobManagers);
    }

    public List<ClusterProcess> taskManagers() {
        return List.copyOf(taskManagers);
    }

    /**
     * Fails naming every process that is no longer running, with the end of its logs; processes the
     * test {@linkplain #kill killed} are not counted.
     */
    public void checkAlive() {
        List<ClusterProcess> dead =
                processes.stream().filter(p -> !p.isAlive() && !killed.contains(p)).toList();
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
