package io.tandem.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.apache.flink.api.common.TaskInfoImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.PojoTypeInfo;
import org.apache.flink.util.InstantiationUtil;
import org.junit.jupiter.api.Test;

class DispatchPartitionerTest {

    @Test
    void sendsEachBatchWhereTheScheduleSays() {
        int[][] shapes = {{7, 3}, {3, 7}, {5, 5}, {1, 4}, {8, 1}, {31, 8}, {8, 9}};
        for (int[] shape : shapes) {
            int producers = shape[0];
            int consumers = shape[1];
            DispatchPartitioner partitioner = new DispatchPartitioner();
            DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
            for (int p = 0; p < producers; p++) {
                for (long seq = 0; seq < 50; seq++) {
                    int partition =
                            partitioner.partition(new BatchKey(p, producers, seq), consumers);
                    assertEquals(
                            schedule.consumerFor(p, seq),
                            partition,
                            "P="
                                    + producers
                                    + " C="
                                    + consumers
                                    + " producer "
                                    + p
                                    + " seq "
                                    + seq);
                }
            }
        }
    }

    @Test
    void cachesTheScheduleAndFollowsTheProducerCountOfTheKeys() {
        DispatchPartitioner partitioner = new DispatchPartitioner();
        partitioner.partition(new BatchKey(0, 6, 0), 4);
        DispatchSchedule six = partitioner.scheduleFor(6, 4);
        assertSame(six, partitioner.scheduleFor(6, 4));
        assertEquals(DispatchSchedule.of(6, 4), six);

        // After a rescale the producers report another parallelism: a matching schedule is made.
        for (long seq = 0; seq < 20; seq++) {
            assertEquals(
                    DispatchSchedule.of(9, 4).consumerFor(8, seq),
                    partitioner.partition(new BatchKey(8, 9, seq), 4));
        }
        assertSame(six, partitioner.scheduleFor(6, 4));
        assertNotSame(six, partitioner.scheduleFor(9, 4));
    }

    @Test
    void refusesAChangedPartitionCount() {
        DispatchPartitioner partitioner = new DispatchPartitioner();
        partitioner.partition(new BatchKey(1, 4, 0), 3);
        IllegalStateException error =
                assertThrows(
                        IllegalStateException.class,
                        () -> partitioner.partition(new BatchKey(1, 4, 1), 5));
        assertEquals(
                "DispatchPartitioner was first called with 3 partitions (inference subtasks) and"
                        + " now with 5; expected 3 on every call of one edge",
                error.getMessage());
    }

    @Test
    void refusesMissingKeysAndPartitions() {
        DispatchPartitioner partitioner = new DispatchPartitioner();
        assertEquals(
                "DispatchPartitioner needs at least 1 partition (inference subtask), got 0",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> partitioner.partition(new BatchKey(0, 1, 0), 0))
                        .getMessage());
        assertEquals(
                "DispatchPartitioner got a null BatchKey",
                assertThrows(IllegalArgumentException.class, () -> partitioner.partition(null, 2))
                        .getMessage());
    }

    @Test
    void batchKeyRejectsInconsistentValues() {
        assertEquals(
                "BatchKey producer index 4 is outside [0, 4) for 4 producers",
                assertThrows(IllegalArgumentException.class, () -> new BatchKey(4, 4, 0))
                        .getMessage());
        assertEquals(
                "BatchKey producer index -1 is outside [0, 4) for 4 producers",
                assertThrows(IllegalArgumentException.class, () -> new BatchKey(-1, 4, 0))
                        .getMessage());
        assertEquals(
                "BatchKey producerCount must be at least 1, got 0",
                assertThrows(IllegalArgumentException.class, () -> new BatchKey(0, 0, 0))
                        .getMessage());
        assertEquals(
                "BatchKey sequence number must be 0 or more, got -3",
                assertThrows(IllegalArgumentException.class, () -> new BatchKey(0, 2, -3))
                        .getMessage());
    }

    @Test
    void batchKeyIsAValueAndComesFromTheTaskInfo() throws Exception {
        BatchKey key = new BatchKey(2, 5, 17);
        assertEquals(new BatchKey(2, 5, 17), key);
        assertEquals(new BatchKey(2, 5, 17).hashCode(), key.hashCode());
        assertNotEquals(new BatchKey(2, 5, 18), key);
        assertEquals(key, InstantiationUtil.clone(key));
        // TaskInfoImpl(name, max parallelism, subtask index, parallelism, attempt)
        assertEquals(key, BatchKey.of(new TaskInfoImpl("batcher", 128, 2, 5, 0), 17));
    }

    @Test
    void batchKeyIsAFlinkPojoSoJobsWithoutGenericTypesAcceptIt() {
        // Tandem runs with pipeline.generic-types: false, which refuses Kryo-serialized types.
        TypeInformation<BatchKey> type = TypeInformation.of(BatchKey.class);
        assertInstanceOf(PojoTypeInfo.class, type, type.toString());
    }

    @Test
    void survivesSerializationBeforeAndAfterUse() throws Exception {
        DispatchPartitioner fresh = new DispatchPartitioner();
        DispatchPartitioner copy = InstantiationUtil.clone(fresh);
        assertEquals(fresh, copy);
        assertEquals(fresh.hashCode(), copy.hashCode());
        assertEquals(fresh.toString(), copy.toString());

        fresh.partition(new BatchKey(0, 3, 0), 2);
        DispatchPartitioner used = InstantiationUtil.clone(fresh);
        assertEquals(fresh, used);
        // The copy keeps no cache: it may serve an edge with another partition count.
        DispatchSchedule expected = DispatchSchedule.of(3, 5);
        for (long seq = 0; seq < 10; seq++) {
            assertEquals(expected.consumerFor(2, seq), used.partition(new BatchKey(2, 3, seq), 5));
        }
    }

    @Test
    void returnPartitionerSendsEachOutputBackToItsProducer() throws Exception {
        ReturnToProducerPartitioner partitioner = new ReturnToProducerPartitioner();
        for (int producer = 0; producer < 6; producer++) {
            assertEquals(producer, partitioner.partition(producer, 6));
        }
        assertEquals(
                "Producer index 6 has no return partition: expected an index in [0, 6), the"
                        + " return edge has 6 partitions and must run at the producers'"
                        + " parallelism",
                assertThrows(IllegalArgumentException.class, () -> partitioner.partition(6, 6))
                        .getMessage());
        assertThrows(IllegalArgumentException.class, () -> partitioner.partition(-1, 6));
        assertEquals(
                "ReturnToProducerPartitioner got a null producer index",
                assertThrows(IllegalArgumentException.class, () -> partitioner.partition(null, 6))
                        .getMessage());
        ReturnToProducerPartitioner copy = InstantiationUtil.clone(partitioner);
        assertEquals(partitioner, copy);
        assertEquals(partitioner.hashCode(), copy.hashCode());
        assertEquals(3, copy.partition(3, 4));
    }
}
