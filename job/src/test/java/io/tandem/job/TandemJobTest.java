package io.tandem.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.PendingDocsHandle;
import io.tandem.source.SampleSource;
import java.util.ArrayList;
import java.util.Arrays;
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

/**
 * The shape of the split graph where it matters for throughput and placement, without running it:
 * one model stage, and two with a rule component between them.
 */
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
        assertEquals(0, nodes.get("batcher ner").getBufferTimeout());
        assertEquals(0, nodes.get("inference ner").getBufferTimeout());
        assertTrue(
                nodes.get("join ner").getBufferTimeout() != 0,
                "documents leave in ordinary buffers, not one flush per result");
    }

    /**
     * The job graph's vertices whose chains hold the batcher and the join, built with the file
     * source (rebalance: the parser heads the batcher's chain) or as a Kafka job does (forward: the
     * source heads it).
     */
    private static JobGraph splitJobGraph(boolean keepPartitions) {
        return streamGraph(Pipeline.defaultPipeline(), 1, keepPartitions).getJobGraph();
    }

    /** The stream graph of {@code pipeline} on 2 CPU workers, its sample source as described. */
    private static StreamGraph streamGraph(
            Pipeline pipeline, int gpuWorkers, boolean keepPartitions) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob job = new TandemJob(new Configuration(), pipeline, 2, gpuWorkers, List.of());
        job.annotate(
                        env.fromSource(
                                        SampleSource.create(10),
                                        WatermarkStrategy.noWatermarks(),
                                        "input")
                                .setParallelism(keepPartitions ? 2 : 1),
                        keepPartitions)
                .addSink(new DiscardingSink<>());
        return env.getStreamGraph();
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

    /**
     * A source read at the CPU task set's parallelism heads the parser's chain (forward: each CPU
     * subtask reads its own splits at its own pace); a narrower one is spread round-robin.
     */
    @ParameterizedTest(name = "source parallelism {0} of 2 CPU subtasks")
    @ValueSource(ints = {1, 2})
    void anInputAtTheCpuParallelismIsChainedToParseAndANarrowerOneRebalanced(int readers) {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        TandemJob job =
                new TandemJob(new Configuration(), Pipeline.defaultPipeline(), 2, 1, List.of());
        job.annotate(
                        env.fromSource(
                                        SampleSource.create(10),
                                        WatermarkStrategy.noWatermarks(),
                                        "input")
                                .setParallelism(readers))
                .addSink(new DiscardingSink<>());
        JobVertex batcher = vertexNamed(env.getStreamGraph().getJobGraph(), "batcher");
        assertEquals(
                readers == 2,
                batcher.getName().contains("input"),
                "the source heads the parser's chain exactly at the CPU parallelism: "
                        + batcher.getName());
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

    /** Two model stages with a rule component between them. */
    static final Pipeline TWO_STAGES =
            Pipeline.builder()
                    .tokenizer()
                    .sentences()
                    .model(OnnxTokenClassifier.tiny())
                    .negation("en")
                    .model(OnnxTokenClassifier.builder().name("ner-2").build())
                    .build();

    private static StreamGraph twoStageStreamGraph(int gpuWorkers, boolean keepPartitions) {
        return streamGraph(TWO_STAGES, gpuWorkers, keepPartitions);
    }

    private static List<String> vertexNames(JobGraph graph) {
        List<String> names = new ArrayList<>();
        graph.getVerticesSortedTopologicallyFromSources()
                .forEach(vertex -> names.add(vertex.getName()));
        return names;
    }

    private static JobVertex vertexCalled(JobGraph graph, String name) {
        for (JobVertex vertex : graph.getVertices()) {
            if (vertex.getName().equals(name)) {
                return vertex;
            }
        }
        throw new AssertionError("no vertex called " + name + " in " + vertexNames(graph));
    }

    @Test
    void twoStagesRepeatBatcherInferenceAndJoinWithTheNextBatcherChainedBehindTheJoin() {
        JobGraph graph = twoStageStreamGraph(1, false).getJobGraph();

        assertEquals(
                List.of(
                        "Source: input",
                        "parse and annotate -> batcher ner",
                        "inference ner",
                        "join ner -> batcher ner-2",
                        "inference ner-2",
                        "join ner-2",
                        "Sink: Unnamed"),
                vertexNames(graph));
    }

    @ParameterizedTest(name = "keep Kafka partitions: {0}")
    @ValueSource(booleans = {false, true})
    void everyBatcherAndJoinOfAProducerShareOneCoLocationGroupOnTheirChainHeads(
            boolean keepPartitions) {
        JobGraph graph = twoStageStreamGraph(1, keepPartitions).getJobGraph();
        JobVertex firstBatcher =
                vertexCalled(
                        graph,
                        (keepPartitions ? "Source: input -> " : "")
                                + "parse and annotate -> batcher ner");
        JobVertex firstJoin = vertexCalled(graph, "join ner -> batcher ner-2");
        JobVertex lastJoin = vertexCalled(graph, "join ner-2");

        assertNotNull(firstBatcher.getCoLocationGroup(), firstBatcher.getName());
        assertEquals(
                Set.of(firstBatcher.getID(), firstJoin.getID(), lastJoin.getID()),
                Set.copyOf(firstBatcher.getCoLocationGroup().getVertexIds()),
                "the group holds the three chains that hold a batcher or a join");
        assertSame(firstBatcher.getCoLocationGroup(), firstJoin.getCoLocationGroup());
        assertSame(firstBatcher.getCoLocationGroup(), lastJoin.getCoLocationGroup());
    }

    @Test
    void theInferenceOfEveryStageIsInTheGpuSlotSharingGroupAndSubtaskJOfEachInOneSlot() {
        JobGraph graph = twoStageStreamGraph(1, false).getJobGraph();
        JobVertex first = vertexCalled(graph, "inference ner");
        JobVertex second = vertexCalled(graph, "inference ner-2");

        assertSame(first.getSlotSharingGroup(), second.getSlotSharingGroup());
        assertTrue(
                first.getSlotSharingGroup()
                        != vertexCalled(graph, "join ner-2").getSlotSharingGroup(),
                "the CPU chains are in another slot sharing group");
        assertNotNull(first.getCoLocationGroup());
        assertEquals(
                Set.of(first.getID(), second.getID()),
                Set.copyOf(first.getCoLocationGroup().getVertexIds()),
                "subtask j of each stage's inference in one slot, apart from the CPU chains");
        StreamGraph streams = twoStageStreamGraph(1, false);
        for (StreamNode node : streams.getStreamNodes()) {
            if (node.getOperatorName().startsWith("inference")) {
                assertEquals(TandemJob.GPU_SLOT_SHARING_GROUP, node.getSlotSharingGroup());
            }
        }
    }

    private static Map<String, String> uidsByName(StreamGraph graph) {
        return graph.getStreamNodes().stream()
                .filter(node -> node.getTransformationUID() != null)
                .collect(
                        Collectors.toMap(
                                StreamNode::getOperatorName, StreamNode::getTransformationUID));
    }

    @Test
    void theFirstStageKeepsTheUidsOfASingleModelJobAndLaterStagesGetTheirOwn() {
        Map<String, String> uids = uidsByName(twoStageStreamGraph(1, false));

        assertEquals("batcher", uids.get("batcher ner"));
        assertEquals("inference", uids.get("inference ner"));
        assertEquals("postprocess", uids.get("join ner"));
        assertEquals("batcher-ner-2", uids.get("batcher ner-2"));
        assertEquals("inference-ner-2", uids.get("inference ner-2"));
        assertEquals("postprocess-ner-2", uids.get("join ner-2"));
    }

    @Test
    void inPlaceTwoStagesAreTwoModelOperatorsInOneChain() {
        StreamGraph streams = twoStageStreamGraph(0, false);
        Map<String, String> uids = uidsByName(streams);

        assertEquals(
                List.of(
                        "Source: input",
                        "parse and annotate -> batcher and inference ner -> batcher and inference"
                                + " ner-2",
                        "Sink: Unnamed"),
                vertexNames(streams.getJobGraph()));
        assertEquals("model", uids.get("batcher and inference ner"));
        assertEquals("model-ner-2", uids.get("batcher and inference ner-2"));
    }

    @Test
    void onlyTheSplitGraphsJoinsReadDocumentHandlesTheInPlaceLayoutHasNoDocumentsEdge() {
        assertEquals(
                List.of("join ner", "join ner-2"),
                operatorsReadingDocumentHandles(1),
                "each stage's join reads its batcher's handles");
        assertEquals(List.of(), operatorsReadingDocumentHandles(0));
    }

    private static List<String> operatorsReadingDocumentHandles(int gpuWorkers) {
        return twoStageStreamGraph(gpuWorkers, false).getStreamNodes().stream()
                .filter(
                        node ->
                                Arrays.stream(node.getTypeSerializersIn())
                                        .anyMatch(
                                                in ->
                                                        in.createInstance()
                                                                instanceof PendingDocsHandle))
                .map(StreamNode::getOperatorName)
                .sorted()
                .toList();
    }
}
