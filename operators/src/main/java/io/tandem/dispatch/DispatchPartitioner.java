package io.tandem.dispatch;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.api.common.functions.Partitioner;

/**
 * Sends each tensor batch to the inference subtask that the {@link DispatchSchedule} assigns to it:
 * partition = the schedule entry of the key's producer at {@code seq mod period}.
 *
 * <p>Nothing is fixed when the graph is built. The producer parallelism P comes with every {@link
 * BatchKey} and the consumer parallelism C is Flink's {@code numPartitions}; the schedule for (P,
 * C) is computed on first use and cached, so a job restored from a savepoint at another parallelism
 * dispatches with the matching schedule. Within one partitioner instance (one edge of one producer
 * subtask) {@code numPartitions} never changes; a change is reported as an error.
 *
 * <p><b>Checkpointing.</b> Flink does not take unaligned checkpoints over {@code partitionCustom}
 * edges: with {@code execution.checkpointing.unaligned.enabled: true} the job fails at submission.
 * Tandem therefore runs with aligned checkpoints.
 *
 * <pre>{@code
 * batches.partitionCustom(new DispatchPartitioner(), TensorBatch::key)
 * }</pre>
 */
public final class DispatchPartitioner implements Partitioner<BatchKey> {

    private static final long serialVersionUID = 1L;

    // Run-time caches, rebuilt after deserialization: only the class travels with the job graph.
    private transient int expectedPartitions;
    private transient Map<Integer, DispatchSchedule> schedulesByProducers;
    private transient DispatchSchedule lastSchedule;

    @Override
    public int partition(BatchKey key, int numPartitions) {
        if (key == null) {
            throw new IllegalArgumentException("DispatchPartitioner got a null BatchKey");
        }
        if (numPartitions <= 0) {
            throw new IllegalArgumentException(
                    "DispatchPartitioner needs at least 1 partition (inference subtask), got "
                            + numPartitions);
        }
        if (expectedPartitions == 0) {
            expectedPartitions = numPartitions;
        } else if (numPartitions != expectedPartitions) {
            throw new IllegalStateException(
                    "DispatchPartitioner was first called with "
                            + expectedPartitions
                            + " partitions (inference subtasks) and now with "
                            + numPartitions
                            + "; expected "
                            + expectedPartitions
                            + " on every call of one edge");
        }
        if (key.producer() < 0 || key.producer() >= key.producerCount()) {
            throw new IllegalArgumentException(
                    "Producer index "
                            + key.producer()
                            + " is outside [0, "
                            + key.producerCount()
                            + ") for "
                            + key.producerCount()
                            + " producers");
        }
        DispatchSchedule schedule = scheduleFor(key.producerCount(), numPartitions);
        return schedule.consumerFor(key.producer(), key.seq());
    }

    /** The (cached) schedule this partitioner uses for the given parallelisms. */
    DispatchSchedule scheduleFor(int producers, int consumers) {
        DispatchSchedule schedule = lastSchedule;
        if (schedule != null
                && schedule.producers() == producers
                && schedule.consumers() == consumers) {
            return schedule;
        }
        if (schedulesByProducers == null) {
            schedulesByProducers = new HashMap<>();
        }
        // One edge has one consumer count, so producers alone key the cache.
        schedule =
                schedulesByProducers.computeIfAbsent(
                        producers, p -> DispatchSchedule.of(p, consumers));
        lastSchedule = schedule;
        return schedule;
    }

    @Override
    public boolean equals(Object other) {
        // Stateless apart from caches: every instance dispatches the same way.
        return other instanceof DispatchPartitioner;
    }

    @Override
    public int hashCode() {
        return DispatchPartitioner.class.getName().hashCode();
    }

    @Override
    public String toString() {
        return "DispatchPartitioner{schedule=contiguous shares, smooth round-robin, staggered"
                + " phases; P from BatchKey, C from numPartitions}";
    }
}
