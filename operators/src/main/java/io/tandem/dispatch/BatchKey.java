package io.tandem.dispatch;

import java.io.Serializable;
import org.apache.flink.api.common.TaskInfo;

/**
 * Routing key of a tensor batch: which producer subtask made it, how many producer subtasks the job
 * runs with, and the producer's own batch sequence number.
 *
 * <p>The key carries the producer parallelism so that nothing about it is fixed when the graph is
 * built: after a job is rescaled from a savepoint the producers report their new parallelism and
 * the {@link DispatchPartitioner} derives the matching schedule.
 *
 * @param producer index of the producer subtask, in {@code [0, producerCount)}
 * @param producerCount number of producer subtasks (P), at least 1
 * @param seq the producer's batch sequence number, 0 or more
 */
public record BatchKey(int producer, int producerCount, long seq) implements Serializable {

    public BatchKey {
        if (producerCount <= 0) {
            throw new IllegalArgumentException(
                    "BatchKey producerCount must be at least 1, got " + producerCount);
        }
        if (producer < 0 || producer >= producerCount) {
            throw new IllegalArgumentException(
                    "BatchKey producer index "
                            + producer
                            + " is outside [0, "
                            + producerCount
                            + ") for "
                            + producerCount
                            + " producers");
        }
        if (seq < 0) {
            throw new IllegalArgumentException(
                    "BatchKey sequence number must be 0 or more, got " + seq);
        }
    }

    /** The key of batch {@code seq} of the subtask described by {@code taskInfo}. */
    public static BatchKey of(TaskInfo taskInfo, long seq) {
        return new BatchKey(
                taskInfo.getIndexOfThisSubtask(), taskInfo.getNumberOfParallelSubtasks(), seq);
    }
}
