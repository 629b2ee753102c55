package io.tandem.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.pipeline.Pipeline;
import io.tandem.source.SampleSource;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamGraph;
import org.apache.flink.streaming.api.graph.StreamNode;
import org.junit.jupiter.api.Test;

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
}
