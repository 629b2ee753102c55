package io.tandem.dispatch;

import java.util.Arrays;

/**
 * edsnlp's {@code get_dispatch_schedule}, the reference Tandem's {@link DispatchSchedule} is
 * compared with. Exactly even, but a leftover consumer may receive from many producers.
 *
 * <p>For producers and consumers (sub-ranges in the recursion, indexed from their start):
 *
 * <ul>
 *   <li>C &lt; P: with r = P mod C, a producer outside the last r gets {@code [p mod C]} repeated C
 *       times; each of the last r producers gets its list from the recursion over those r producers
 *       and the same consumers.
 *   <li>C ≥ P: with d = C div P and r = C mod P, producer p gets its block of consumers {@code p*d
 *       .. (p+1)*d - 1} repeated P times, then, when r &gt; 0, its list from the recursion over the
 *       same producers and the last r consumers.
 * </ul>
 *
 * Every list has length C.
 */
public final class ReferenceSchedule implements PeriodicSchedule {

    private final int producers;
    private final int consumers;
    private final int[][] lists;
    private volatile ScheduleStats stats;

    private ReferenceSchedule(int producers, int consumers, int[][] lists) {
        this.producers = producers;
        this.consumers = consumers;
        this.lists = lists;
    }

    public static ReferenceSchedule of(int producers, int consumers) {
        DispatchSchedule.requireProducers(producers);
        DispatchSchedule.requireConsumers(consumers);
        int[][] lists = new int[producers][];
        if (consumers == 0) {
            Arrays.fill(lists, new int[0]);
        } else {
            fill(lists, 0, producers, 0, consumers);
        }
        return new ReferenceSchedule(producers, consumers, lists);
    }

    /**
     * Fills the lists of producers {@code [firstProducer, firstProducer + producerCount)} for the
     * consumers {@code [firstConsumer, firstConsumer + consumerCount)}.
     */
    private static void fill(
            int[][] lists,
            int firstProducer,
            int producerCount,
            int firstConsumer,
            int consumerCount) {
        if (consumerCount < producerCount) {
            int leftover = producerCount % consumerCount;
            int regular = producerCount - leftover;
            for (int i = 0; i < regular; i++) {
                int[] list = new int[consumerCount];
                Arrays.fill(list, firstConsumer + i % consumerCount);
                lists[firstProducer + i] = list;
            }
            if (leftover > 0) {
                fill(lists, firstProducer + regular, leftover, firstConsumer, consumerCount);
            }
        } else {
            int block = consumerCount / producerCount;
            int leftover = consumerCount % producerCount;
            if (leftover > 0) {
                fill(
                        lists,
                        firstProducer,
                        producerCount,
                        firstConsumer + consumerCount - leftover,
                        leftover);
            }
            for (int i = 0; i < producerCount; i++) {
                int[] tail = leftover > 0 ? lists[firstProducer + i] : new int[0];
                int[] list = new int[block * producerCount + tail.length];
                for (int repeat = 0; repeat < producerCount; repeat++) {
                    for (int k = 0; k < block; k++) {
                        list[repeat * block + k] = firstConsumer + i * block + k;
                    }
                }
                System.arraycopy(tail, 0, list, block * producerCount, tail.length);
                lists[firstProducer + i] = list;
            }
        }
    }

    @Override
    public int producers() {
        return producers;
    }

    @Override
    public int consumers() {
        return consumers;
    }

    @Override
    public int[] periodOf(int producer) {
        if (producer < 0 || producer >= producers) {
            throw new IllegalArgumentException(
                    "Producer index " + producer + " is outside [0, " + producers + ")");
        }
        return lists[producer].clone();
    }

    @Override
    public int consumerFor(int producer, long seq) {
        if (consumers == 0) {
            throw new IllegalStateException(
                    "The reference schedule for " + producers + " producers has no consumers");
        }
        if (seq < 0) {
            throw new IllegalArgumentException(
                    "Batch sequence number must be 0 or more, got " + seq);
        }
        int[] list = periodOf(producer);
        return list[(int) (seq % list.length)];
    }

    @Override
    public ScheduleStats stats() {
        if (stats == null) {
            stats = ScheduleStats.of(this);
        }
        return stats;
    }

    @Override
    public String toString() {
        return "ReferenceSchedule{producers=" + producers + ", consumers=" + consumers + "}";
    }
}
