package io.tandem.dispatch;

/**
 * Which consumer receives each batch of each producer: every producer cycles through its own
 * periodic list of consumer indices. Implemented by Tandem's {@link DispatchSchedule} and by the
 * {@link ReferenceSchedule} it is compared with.
 */
public interface PeriodicSchedule {

    /** Number of producer subtasks (P), at least 1. */
    int producers();

    /** Number of consumer subtasks (C); 0 when there is no inference subtask. */
    int consumers();

    /** Whether there is any consumer to dispatch to ({@code consumers() > 0}). */
    default boolean hasConsumers() {
        return consumers() > 0;
    }

    /**
     * A copy of the periodic list of the given producer: its batch {@code seq} goes to consumer
     * {@code list[seq mod list.length]}. Empty when there are no consumers.
     */
    int[] periodOf(int producer);

    /**
     * The consumer that receives batch {@code seq} of {@code producer}.
     *
     * @throws IllegalStateException when the schedule has no consumers
     * @throws IllegalArgumentException when the producer is outside {@code [0, producers())} or
     *     {@code seq} is negative
     */
    int consumerFor(int producer, long seq);

    /** Load, link and burst statistics of this schedule. */
    ScheduleStats stats();
}
