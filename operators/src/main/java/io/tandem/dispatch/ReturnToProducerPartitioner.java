package io.tandem.dispatch;

import org.apache.flink.api.common.functions.Partitioner;

/**
 * The return path: sends an inference output to the subtask whose index is the producer index of
 * its batch, i.e. back to the CPU subtask holding the batch's documents. The receiving operator
 * must run at the producers' parallelism.
 *
 * <pre>{@code
 * outputs.partitionCustom(new ReturnToProducerPartitioner(), OutputBatch::producer)
 * }</pre>
 *
 * <p>Like every {@code partitionCustom} edge it rules out unaligned checkpoints.
 */
public final class ReturnToProducerPartitioner implements Partitioner<Integer> {

    private static final long serialVersionUID = 1L;

    @Override
    public int partition(Integer producer, int numPartitions) {
        if (producer == null) {
            throw new IllegalArgumentException(
                    "ReturnToProducerPartitioner got a null producer index");
        }
        if (producer < 0 || producer >= numPartitions) {
            throw new IllegalArgumentException(
                    "Producer index "
                            + producer
                            + " has no return partition: expected an index in [0, "
                            + numPartitions
                            + "), the return edge has "
                            + numPartitions
                            + " partitions and must run at the producers' parallelism");
        }
        return producer;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof ReturnToProducerPartitioner;
    }

    @Override
    public int hashCode() {
        return ReturnToProducerPartitioner.class.getName().hashCode();
    }

    @Override
    public String toString() {
        return "ReturnToProducerPartitioner{partition = producer index}";
    }
}
