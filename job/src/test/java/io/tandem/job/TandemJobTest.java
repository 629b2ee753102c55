package io.tandem.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.pipeline.Pipeline;
import io.tandem.source.SampleSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shape of the split graph where it matters for throughput, without running it. */
class TandemJobTest {

    private static Map<String, StreamNode> splitGraphNodes() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob job =
                new TandemJob(new Configuration(), Pipeline.defaultPipeline(), 2, 1, List.of());
        job.annotate(
                        env.fromSource(
                                SampleSource.create(10), WatermarkStrategy.noWatermarks(), "input"))
                .addSink(new DiscardingSink<>());
        StreamGraph graph = env.getStreamGraph();
        return graph.getStreamNodes().stream()
                .collect(Collectors.toMap(StreamNode::getOperatorName, node -> node, (a, b) -> a));
    }

    @Test
    void batchEdgesFlushEveryRecordWhileOthersKeepFlinksDefault() {
        Map<String, StreamNode> nodes = splitGraphNodes();
        // A batch's tail must not sit in a half-full network buffer until the 100 ms timeout: with
        // two batches in flight per link that wait would starve the accelerator.
        assertEquals(0, nodes.get("batcher").getBufferTimeout());
        assertEquals(0, nodes.get("inference").getBufferTimeout());
        assertTrue(
                nodes.get("join").getBufferTimeout() != 0,
                "documents leave in ordinary buffers, not one flush per result");
    }

    /**
     * The job graph's vertices whose chains hold the batcher and the join, built with the file
     * source (rebalance: the parser heads the batcher's chain) or as a Kafka job does (forward: the
     * source heads it).
     */
    private static JobGraph splitJobGraph(boolean keepPartitions) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob job =
                new TandemJob(new Configuration(), Pipeline.defaultPipeline(), 2, 1, List.of());
        job.annotate(
                        env.fromSource(
                                        SampleSource.create(10),
                                        WatermarkStrategy.noWatermarks(),
                                        "input")
                                .setParallelism(keepPartitions ? 2 : 1),
                        keepPartitions)
                .addSink(new DiscardingSink<>());
        return env.getStreamGraph().getJobGraph();
    }

    private static JobVertex vertexNamed(JobGraph graph, String operator) {
        List<JobVertex> matches = new ArrayList<>();
        for (JobVertex vertex : graph.getVertices()) {
            if (vertex.getName().contains(operator)) {
                matches.add(vertex);
            }
        }
        assertEquals(1, matches.size(), "one vertex holds " + operator + ": " + matches);
        return matches.get(0);
    }

    @ParameterizedTest(name = "keep Kafka partitions: {0}")
    @ValueSource(booleans = {false, true})
    void theBatchersChainAndTheJoinAreCoLocatedWhicheverOperatorHeadsTheChain(
            boolean keepPartitions) {
        JobGraph graph = splitJobGraph(keepPartitions);
        JobVertex batcher = vertexNamed(graph, "batcher");
        JobVertex join = vertexNamed(graph, "join");
        assertEquals(
                keepPartitions,
                batcher.getName().contains("input"),
                "the source heads the batcher's chain exactly when partitions are kept: "
                        + batcher.getName());
        assertNotNull(batcher.getCoLocationGroup(), batcher.getName() + " has a co-location group");
        assertSame(batcher.getCoLocationGroup(), join.getCoLocationGroup());
        assertEquals(
                Set.of(batcher.getID(), join.getID()),
                Set.copyOf(batcher.getCoLocationGroup().getVertexIds()),
                "the group holds exactly the batcher's chain and the join");
        assertNull(
                vertexNamed(graph, "inference").getCoLocationGroup(),
                "inference subtasks go wherever the GPU slots are");
    }
}
