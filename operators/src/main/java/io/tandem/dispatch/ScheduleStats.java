package io.tandem.dispatch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Collections;
import java.util.List;

/**
 * Statistics of a {@link PeriodicSchedule}, computed once from its periodic lists, assuming every
 * producer emits batches at the same rate.
 *
 * <ul>
 *   <li>{@link #loadOf(int) load}: how many producers' worth of batches a consumer receives, as an
 *       exact fraction (a producer sending a third of its batches to a consumer adds 1/3);
 *   <li>{@link #producersOf(int) distinct producers} per consumer and the total number of {@link
 *       #links() links}, i.e. distinct (producer, consumer) pairs;
 *   <li>{@link #maxBurst() burst}: the most batches that one consumer receives for one sequence
 *       number when all producers advance in lockstep.
 * </ul>
 */
public final class ScheduleStats {

    private final int producers;
    private final int consumers;
    private final List<Fraction> loads;
    private final List<List<Integer>> producersPerConsumer;
    private final int links;
    private final int maxProducersPerConsumer;
    private final int maxBurst;

    private ScheduleStats(PeriodicSchedule schedule) {
        this.producers = schedule.producers();
        this.consumers = schedule.consumers();
        Fraction[] load = new Fraction[consumers];
        Arrays.fill(load, Fraction.ZERO);
        BitSet[] feeding = new BitSet[consumers];
        for (int c = 0; c < consumers; c++) {
            feeding[c] = new BitSet(producers);
        }
        int[][] lists = new int[producers][];
        long commonPeriod = 1;
        for (int p = 0; p < producers; p++) {
            lists[p] = schedule.periodOf(p);
            if (lists[p].length == 0) {
                continue;
            }
            commonPeriod = lcm(commonPeriod, lists[p].length);
            int[] counts = new int[consumers];
            for (int consumer : lists[p]) {
                counts[consumer]++;
            }
            for (int c = 0; c < consumers; c++) {
                if (counts[c] > 0) {
                    load[c] = load[c].plus(Fraction.of(counts[c], lists[p].length));
                    feeding[c].set(p);
                }
            }
        }
        List<Fraction> loadList = new ArrayList<>(consumers);
        List<List<Integer>> producerLists = new ArrayList<>(consumers);
        int linkCount = 0;
        int maxProducers = 0;
        for (int c = 0; c < consumers; c++) {
            loadList.add(load[c]);
            List<Integer> feeders = feeding[c].stream().boxed().toList();
            producerLists.add(feeders);
            linkCount += feeders.size();
            maxProducers = Math.max(maxProducers, feeders.size());
        }
        this.loads = Collections.unmodifiableList(loadList);
        this.producersPerConsumer = Collections.unmodifiableList(producerLists);
        this.links = linkCount;
        this.maxProducersPerConsumer = maxProducers;
        this.maxBurst = consumers == 0 ? 0 : maxBurst(lists, consumers, commonPeriod);
    }

    /** Statistics of the given schedule. */
    public static ScheduleStats of(PeriodicSchedule schedule) {
        return new ScheduleStats(schedule);
    }

    private static int maxBurst(int[][] lists, int consumers, long commonPeriod) {
        int worst = 0;
        int[] hits = new int[consumers];
        for (long seq = 0; seq < commonPeriod; seq++) {
            Arrays.fill(hits, 0);
            for (int[] list : lists) {
                int consumer = list[(int) (seq % list.length)];
                worst = Math.max(worst, ++hits[consumer]);
            }
        }
        return worst;
    }

    private static long lcm(long a, long b) {
        return Math.multiplyExact(a / Fraction.gcd(a, b), b);
    }

    public int producers() {
        return producers;
    }

    public int consumers() {
        return consumers;
    }

    /** The load of each consumer, in producers' worth of batches. */
    public List<Fraction> loads() {
        return loads;
    }

    public Fraction loadOf(int consumer) {
        return loads.get(consumer);
    }

    /** The producers (ascending) that send at least one batch per period to the consumer. */
    public List<Integer> producersOf(int consumer) {
        return producersPerConsumer.get(consumer);
    }

    /** Distinct (producer, consumer) pairs that carry batches. */
    public int links() {
        return links;
    }

    /** The largest number of distinct producers feeding one consumer. */
    public int maxProducersPerConsumer() {
        return maxProducersPerConsumer;
    }

    /**
     * The most batches with one sequence number that land on one consumer, when all producers emit
     * their batches in lockstep (the burst a consumer sees when producers run at equal speed).
     */
    public int maxBurst() {
        return maxBurst;
    }
}
