package io.tandem.job;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.flink.client.deployment.executors.LocalExecutor;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.DeploymentOptions;
import org.apache.flink.core.execution.PipelineExecutor;
import org.apache.flink.core.execution.PipelineExecutorFactory;
import org.apache.flink.core.execution.PipelineExecutorServiceLoader;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.LocalStreamEnvironment;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * The local MiniClusters of one command, shut down before the command returns. Flink's local
 * executor only starts closing its MiniCluster when the job ends; the CLI exits right after, which
 * left the cluster's working directory ({@code minicluster_*} under {@code process.working-dir},
 * the system temp directory by default) behind.
 */
public final class LocalClusters implements PipelineExecutorServiceLoader, AutoCloseable {
    private final List<MiniCluster> started = new CopyOnWriteArrayList<>();
    private StreamExecutionEnvironment local;

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
                            MiniCluster cluster = new MiniCluster(clusterConfiguration);
                            started.add(cluster);
                            return cluster;
                        });
            }
        };
    }

    @Override
    public Stream<String> getExecutorNames() {
        return Stream.of(LocalExecutor.NAME);
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
