package io.tandem.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.functions.RichMapFunction;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The two custom partitioners on a real job: producers at parallelism P emit batch keys, {@link
 * DispatchPartitioner} sends them to consumers at parallelism C, and {@link
 * ReturnToProducerPartitioner} sends each result back to the producer's subtask index.
 */
class DispatchPartitionerITCase {

    private static final int TASK_MANAGERS = 2;
    private static final int SLOTS_PER_TASK_MANAGER = 4;
    private static final int BATCHES_PER_PRODUCER = 40;

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(TASK_MANAGERS)
                            .setNumberSlotsPerTaskManager(SLOTS_PER_TASK_MANAGER)
                            .build());

    /** Where a batch was processed by the consumer, then where its result came back. */
    public record Trip(int producer, long seq, int consumerSubtask, int returnSubtask) {}

    @ParameterizedTest(name = "P={0}, C={1}")
    @CsvSource({"7, 3", "3, 8", "8, 6"})
    void dispatchesEveryBatchToItsScheduledSubtask(int producers, int consumers) throws Exception {
        List<Trip> trips = runRoundTrip(producers, consumers);

        DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
        assertEquals(producers * BATCHES_PER_PRODUCER, trips.size());
        Map<String, Trip> byBatch = new HashMap<>();
        int[] observed = new int[consumers];
        for (Trip trip : trips) {
            assertNull(byBatch.put(trip.producer() + "/" + trip.seq(), trip), "twice: " + trip);
            assertEquals(
                    schedule.consumerFor(trip.producer(), trip.seq()),
                    trip.consumerSubtask(),
                    "consumer of " + trip);
            observed[trip.consumerSubtask()]++;
        }
        int[] scheduled = new int[consumers];
        for (int p = 0; p < producers; p++) {
            for (long seq = 0; seq < BATCHES_PER_PRODUCER; seq++) {
                scheduled[schedule.consumerFor(p, seq)]++;
            }
        }
        for (int c = 0; c < consumers; c++) {
            assertEquals(scheduled[c], observed[c], "batches received by consumer " + c);
        }
    }

    @Test
    void returnsEveryResultToItsProducerSubtask() throws Exception {
        int producers = 6;
        List<Trip> trips = runRoundTrip(producers, 4);
        assertEquals(producers * BATCHES_PER_PRODUCER, trips.size());
        for (Trip trip : trips) {
            assertEquals(trip.producer(), trip.returnSubtask(), "return subtask of " + trip);
        }
    }

    private static List<Trip> runRoundTrip(int producers, int consumers) throws Exception {
        // As in production: no Kryo fallback, so every record type must be a Flink POJO.
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        // One seed per producer subtask, routed to the subtask of the same index.
        DataStream<Long> seeds =
                env.fromSequence(0, producers - 1)
                        .setParallelism(1)
                        .partitionCustom((Long seed, int partitions) -> seed.intValue(), s -> s);
        DataStream<BatchKey> batches =
                seeds.flatMap(new EmitBatches(BATCHES_PER_PRODUCER))
                        .setParallelism(producers)
                        .name("producers");
        DataStream<Landed> landed =
                batches.partitionCustom(new DispatchPartitioner(), key -> key)
                        .map(new RecordConsumer())
                        .setParallelism(consumers)
                        .name("consumers");
        DataStream<Trip> trips =
                landed.partitionCustom(new ReturnToProducerPartitioner(), Landed::producer)
                        .map(new RecordReturn())
                        .setParallelism(producers)
                        .name("return");
        List<Trip> collected = new ArrayList<>();
        try (CloseableIterator<Trip> results = trips.executeAndCollect("dispatch round trip")) {
            results.forEachRemaining(collected::add);
        }
        return collected;
    }

    /** A batch as seen by the consumer subtask that got it. */
    public record Landed(int producer, long seq, int consumerSubtask) {}

    /** The producer: emits its batch keys, checking it got the seed of its own index. */
    private static final class EmitBatches extends RichFlatMapFunction<Long, BatchKey> {
        private final int batches;

        EmitBatches(int batches) {
            this.batches = batches;
        }

        @Override
        public void flatMap(Long seed, Collector<BatchKey> out) {
            int subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
            if (seed != subtask) {
                throw new IllegalStateException(
                        "Seed " + seed + " reached producer subtask " + subtask);
            }
            for (long seq = 0; seq < batches; seq++) {
                out.collect(BatchKey.of(getRuntimeContext().getTaskInfo(), seq));
            }
        }
    }

    private static final class RecordConsumer extends RichMapFunction<BatchKey, Landed> {
        private int subtask;

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public Landed map(BatchKey key) {
            return new Landed(key.producer(), key.seq(), subtask);
        }
    }

    private static final class RecordReturn extends RichMapFunction<Landed, Trip> {
        private int subtask;

        @Override
        public void open(OpenContext openContext) {
            subtask = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask();
        }

        @Override
        public Trip map(Landed landed) {
            return new Trip(landed.producer(), landed.seq(), landed.consumerSubtask(), subtask);
        }
    }
}
