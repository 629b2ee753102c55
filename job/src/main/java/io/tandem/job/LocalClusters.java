package io.tandem.job;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The local MiniClusters of one command, shut down before the command returns. Flink's local
 * executor only starts closing its MiniCluster when the job ends; the CLI exits right after, which
 * left the cluster's working directory ({@code minicluster_*} under {@code process.working-dir},
 * the system temp directory by default) behind.
 *
 * <p>Each cluster's REST endpoint (and Flink's dashboard, {@code flink-runtime-web}) listens where
 * the {@link WebUi} says: on loopback unless told otherwise, and past the job's end for its linger
 * time.
 */
public final class LocalClusters implements PipelineExecutorServiceLoader, AutoCloseable {
    private final List<MiniCluster> started = new CopyOnWriteArrayList<>();
    private final WebUi webUi;
    private StreamExecutionEnvironment local;

    /** Local clusters whose REST endpoint listens on loopback only, closed with their job. */
    public LocalClusters() {
        this(WebUi.OFF);
    }

    public LocalClusters(WebUi webUi) {
        this.webUi = webUi;
    }

    /**
     * Flink's environment where a client or a test provides one; otherwise a local one whose
     * MiniClusters {@link #close()} waits for.
     */
    public StreamExecutionEnvironment environment(Configuration options) {
        StreamExecutionEnvironment flinks =
                StreamExecutionEnvironment.getExecutionEnvironment(options);
        if (!(flinks instanceof LocalStreamEnvironment)) {
            return flinks;
        }
        Configuration configuration = new Configuration(options);
        configuration.set(DeploymentOptions.TARGET, LocalExecutor.NAME);
        configuration.set(DeploymentOptions.ATTACHED, true);
        webUi.applyTo(configuration);
        local = new StreamExecutionEnvironment(this, configuration, null);
        return local;
    }

    /**
     * Whether {@code env} runs on a MiniCluster in this JVM ({@link #environment} made it local).
     */
    public boolean isLocal(StreamExecutionEnvironment env) {
        return env == local;
    }

    @Override
    public PipelineExecutorFactory getExecutorFactory(Configuration configuration) {
        return new PipelineExecutorFactory() {
            @Override
            public String getName() {
                return LocalExecutor.NAME;
            }

            @Override
            public boolean isCompatibleWith(Configuration configuration) {
                return LocalExecutor.NAME.equals(configuration.get(DeploymentOptions.TARGET));
            }

            @Override
            public PipelineExecutor getExecutor(Configuration configuration) {
                return LocalExecutor.createWithFactory(
                        configuration,
                        clusterConfiguration -> {
                            MiniCluster cluster =
                                    new LingeringMiniCluster(clusterConfiguration, webUi.linger());
                            started.add(cluster);
                            return cluster;
                        });
            }
        };
    }

    /**
     * Where the REST endpoint (and dashboard) of the first started cluster listens; empty before a
     * local job started.
     */
    public Optional<URI> restAddress() throws Exception {
        return started.isEmpty()
                ? Optional.empty()
                : Optional.of(started.get(0).getRestAddress().get());
    }

    @Override
    public Stream<String> getExecutorNames() {
        return Stream.of(LocalExecutor.NAME);
    }

    /**
     * A MiniCluster whose first close, the one Flink's local executor starts when the job ends,
     * waits {@code linger} first: its dashboard still shows the finished job meanwhile.
     */
    private static final class LingeringMiniCluster extends MiniCluster {
        private final Duration linger;
        private CompletableFuture<Void> closing;

        LingeringMiniCluster(MiniClusterConfiguration configuration, Duration linger) {
            super(configuration);
            this.linger = linger;
        }

        @Override
        public synchronized CompletableFuture<Void> closeAsync() {
            if (closing == null) {
                closing =
                        linger.isZero()
                                ? super.closeAsync()
                                : CompletableFuture.runAsync(
                                                () -> {},
                                                CompletableFuture.delayedExecutor(
                                                        linger.toMillis(), TimeUnit.MILLISECONDS))
                                        .thenCompose(ignored -> closeNow());
            }
            return closing;
        }

        private CompletableFuture<Void> closeNow() {
            return super.closeAsync();
        }
    }

    /** Waits for each cluster's shutdown (the one the executor began, or a new one). */
    @Override
    public void close() throws Exception {
        Exception first = null;
        for (MiniCluster cluster : started) {
            try {
                cluster.closeAsync().get();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }
}
