package io.tandem.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * Properties of {@link DispatchSchedule} for every P in 1..64 and C in 1..32.
 *
 * <p>Smoothness, as tested here:
 *
 * <ol>
 *   <li><b>Interleaved</b>: in each producer's cyclic list, the longest run of one consumer is at
 *       most ⌈largest share / smallest share⌉ of that producer.
 *   <li><b>Spread per producer</b>: in any k consecutive batches of one producer (cyclically), a
 *       consumer with share w of the period gets k×w ± less than 2 batches.
 *   <li><b>Fair at every point</b>: over the first k batches of every producer (k = 1, 2, ...),
 *       each consumer has received k×P/C ± less than 1 batch.
 *   <li><b>No bursts</b>: when producers advance in lockstep, no consumer gets more than ⌈P/C⌉ + 1
 *       batches with the same sequence number.
 * </ol>
 */
class DispatchScheduleTest {

    private static final int MAX_PRODUCERS = 64;
    private static final int MAX_CONSUMERS = 32;

    /** Runs the check for every (P, C) in the grid, reporting the pair on failure. */
    private static void forEveryPair(BiConsumer<Integer, Integer> check) {
        for (int p = 1; p <= MAX_PRODUCERS; p++) {
            for (int c = 1; c <= MAX_CONSUMERS; c++) {
                try {
                    check.accept(p, c);
                } catch (AssertionError e) {
                    fail("P=" + p + ", C=" + c + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /** How often each consumer appears in a list. */
    private static int[] counts(int[] list, int consumers) {
        int[] counts = new int[consumers];
        for (int consumer : list) {
            counts[consumer]++;
        }
        return counts;
    }

    @Test
    void everyConsumerReceivesExactlyPOverCProducerLoads() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    // Summed here independently of ScheduleStats, then compared with it.
                    Fraction[] load = new Fraction[consumers];
                    Arrays.fill(load, Fraction.ZERO);
                    for (int p = 0; p < producers; p++) {
                        int[] list = schedule.periodOf(p);
                        int[] counts = counts(list, consumers);
                        for (int c = 0; c < consumers; c++) {
                            load[c] = load[c].plus(Fraction.of(counts[c], list.length));
                        }
                    }
                    Fraction fair = Fraction.of(producers, consumers);
                    for (int c = 0; c < consumers; c++) {
                        assertEquals(fair, load[c], "load of consumer " + c);
                        assertEquals(fair, schedule.stats().loadOf(c), "stats load of " + c);
                    }
                });
    }

    @Test
    void usesTheMinimalNumberOfLinks() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    Set<Long> pairs = new HashSet<>();
                    for (int p = 0; p < producers; p++) {
                        for (int c : schedule.periodOf(p)) {
                            pairs.add((long) p << 32 | c);
                        }
                    }
                    int minimal = producers + consumers - gcd(producers, consumers);
                    assertEquals(minimal, pairs.size(), "distinct (producer, consumer) pairs");
                    assertEquals(minimal, schedule.stats().links(), "stats links");
                });
    }

    @Test
    void feedsEachConsumerFromFewProducersAndNeverMoreThanTheReference() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    int ours = schedule.stats().maxProducersPerConsumer();
                    int reference =
                            ReferenceSchedule.of(producers, consumers)
                                    .stats()
                                    .maxProducersPerConsumer();
                    assertTrue(
                            ours <= ceilDiv(producers, consumers) + 1,
                            "max producers per consumer " + ours + " > ceil(P/C) + 1");
                    assertTrue(
                            ours <= reference,
                            "max producers per consumer " + ours + " > reference " + reference);
                });
    }

    @Test
    void periodsAreShortAndConsumerForFollowsThem() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    int fullPeriod = consumers / gcd(producers, consumers);
                    assertTrue(schedule.period() <= Math.max(producers, consumers));
                    assertEquals(0, fullPeriod % schedule.period(), "period divides C/gcd");
                    for (int p = 0; p < producers; p++) {
                        int[] list = schedule.periodOf(p);
                        assertTrue(
                                list.length >= 1 && list.length <= Math.max(producers, consumers));
                        assertEquals(0, schedule.period() % list.length);
                        for (int seq = 0; seq < 3 * schedule.period(); seq++) {
                            assertEquals(
                                    list[seq % list.length],
                                    schedule.consumerFor(p, seq),
                                    "producer " + p + " seq " + seq);
                        }
                        assertEquals(
                                list[(int) (Long.MAX_VALUE % list.length)],
                                schedule.consumerFor(p, Long.MAX_VALUE));
                    }
                });
    }

    @Test
    void isDeterministic() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule first = DispatchSchedule.of(producers, consumers);
                    DispatchSchedule second = DispatchSchedule.of(producers, consumers);
                    assertEquals(first, second);
                    for (int p = 0; p < producers; p++) {
                        assertArrayEquals(first.periodOf(p), second.periodOf(p));
                    }
                });
    }

    @Test
    void interleavesEachProducersConsumers() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    for (int p = 0; p < producers; p++) {
                        int[] list = schedule.periodOf(p);
                        int[] counts = counts(list, consumers);
                        int largest = 0;
                        int smallest = Integer.MAX_VALUE;
                        for (int count : counts) {
                            if (count > 0) {
                                largest = Math.max(largest, count);
                                smallest = Math.min(smallest, count);
                            }
                        }
                        int bound = ceilDiv(largest, smallest);
                        int longestRun = longestCyclicRun(list);
                        if (smallest < list.length) {
                            assertTrue(
                                    longestRun <= bound,
                                    "producer "
                                            + p
                                            + " list "
                                            + Arrays.toString(list)
                                            + " has a run of "
                                            + longestRun
                                            + " > "
                                            + bound);
                        }
                    }
                });
    }

    private static int longestCyclicRun(int[] list) {
        int longest = 0;
        int run = 0;
        for (int i = 0; i < 2 * list.length; i++) {
            run = i > 0 && list[i % list.length] == list[(i - 1) % list.length] ? run + 1 : 1;
            longest = Math.max(longest, Math.min(run, list.length));
        }
        return longest;
    }

    @Test
    void spreadsEachConsumerEvenlyOverEveryWindowOfAProducer() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    for (int p = 0; p < producers; p++) {
                        int[] list = schedule.periodOf(p);
                        int n = list.length;
                        int[] counts = counts(list, consumers);
                        for (int c = 0; c < consumers; c++) {
                            if (counts[c] == 0) {
                                continue;
                            }
                            for (int start = 0; start < n; start++) {
                                int inWindow = 0;
                                for (int k = 1; k <= n; k++) {
                                    inWindow += list[(start + k - 1) % n] == c ? 1 : 0;
                                    // |inWindow - k * counts[c] / n| < 2, in integers.
                                    long deviation =
                                            Math.abs((long) inWindow * n - (long) k * counts[c]);
                                    assertTrue(
                                            deviation < 2L * n,
                                            "producer "
                                                    + p
                                                    + " consumer "
                                                    + c
                                                    + " window at "
                                                    + start
                                                    + " of "
                                                    + k);
                                }
                            }
                        }
                    }
                });
    }

    @Test
    void keepsRunningCountsWithinOneBatchOfTheFairShare() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    long[] received = new long[consumers];
                    // Two periods: the second must behave like the first.
                    for (int k = 1; k <= 2 * schedule.period(); k++) {
                        for (int p = 0; p < producers; p++) {
                            received[schedule.consumerFor(p, k - 1)]++;
                        }
                        for (int c = 0; c < consumers; c++) {
                            // |received - k * P / C| < 1, in integers.
                            long deviation =
                                    Math.abs(received[c] * consumers - (long) k * producers);
                            assertTrue(
                                    deviation < consumers,
                                    "consumer "
                                            + c
                                            + " got "
                                            + received[c]
                                            + " of the first "
                                            + k
                                            + " batches of every producer");
                        }
                    }
                });
    }

    @Test
    void neverHitsAConsumerWithMoreThanOneBatchAboveItsFairCeilingNorMoreThanTheReference() {
        forEveryPair(
                (producers, consumers) -> {
                    DispatchSchedule schedule = DispatchSchedule.of(producers, consumers);
                    int ceiling = ceilDiv(producers, consumers);
                    for (int seq = 0; seq < schedule.period(); seq++) {
                        int[] hits = new int[consumers];
                        for (int p = 0; p < producers; p++) {
                            hits[schedule.consumerFor(p, seq)]++;
                        }
                        for (int c = 0; c < consumers; c++) {
                            assertTrue(
                                    hits[c] <= ceiling + 1,
                                    "consumer " + c + " got " + hits[c] + " batches of seq " + seq);
                        }
                    }
                    assertTrue(schedule.stats().maxBurst() <= ceiling + 1);
                    int reference = ReferenceSchedule.of(producers, consumers).stats().maxBurst();
                    assertTrue(
                            schedule.stats().maxBurst() <= reference,
                            "burst " + schedule.stats().maxBurst() + " > reference " + reference);
                });
    }

    @Test
    void beatsTheReferenceOnItsKnownWeakSpots() {
        // The examples: one reference consumer hears from every producer.
        assertEquals(8, ReferenceSchedule.of(8, 9).stats().maxProducersPerConsumer());
        assertEquals(2, DispatchSchedule.of(8, 9).stats().maxProducersPerConsumer());
        assertEquals(10, ReferenceSchedule.of(31, 8).stats().maxProducersPerConsumer());
        assertTrue(DispatchSchedule.of(31, 8).stats().maxProducersPerConsumer() <= 5);
    }

    @Test
    void handlesTheEdgeShapes() {
        // P = C: each producer has its own consumer.
        DispatchSchedule square = DispatchSchedule.of(5, 5);
        for (int p = 0; p < 5; p++) {
            assertArrayEquals(new int[] {p}, square.periodOf(p));
        }
        // C = 1: everyone sends to consumer 0.
        DispatchSchedule single = DispatchSchedule.of(7, 1);
        for (int p = 0; p < 7; p++) {
            assertArrayEquals(new int[] {0}, single.periodOf(p));
        }
        // P = 1: the producer cycles over all consumers once per period.
        DispatchSchedule lone = DispatchSchedule.of(1, 6);
        int[] list = lone.periodOf(0);
        assertEquals(6, list.length);
        assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, counts(list, 6));
        // P a multiple of C: whole producers per consumer, no splitting.
        DispatchSchedule multiple = DispatchSchedule.of(6, 3);
        for (int p = 0; p < 6; p++) {
            assertEquals(1, multiple.periodOf(p).length);
        }
    }

    @Test
    void withoutConsumersHasNoConsumersAndRefusesToDispatch() {
        DispatchSchedule none = DispatchSchedule.of(4, 0);
        assertFalse(none.hasConsumers());
        assertEquals(0, none.consumers());
        assertEquals(0, none.periodOf(3).length);
        IllegalStateException error =
                assertThrows(IllegalStateException.class, () -> none.consumerFor(0, 0));
        assertEquals(
                "The dispatch schedule for 4 producers has no consumers (0 inference subtasks):"
                        + " batches are run by the producer itself, never dispatched",
                error.getMessage());
        assertTrue(DispatchSchedule.of(4, 2).hasConsumers());
    }

    @Test
    void rejectsInvalidSizesNamingTheValue() {
        assertEquals(
                "producers must be at least 1 (the CPU subtasks that send batches), got 0",
                assertThrows(IllegalArgumentException.class, () -> DispatchSchedule.of(0, 3))
                        .getMessage());
        assertEquals(
                "producers must be at least 1 (the CPU subtasks that send batches), got -2",
                assertThrows(IllegalArgumentException.class, () -> DispatchSchedule.of(-2, 3))
                        .getMessage());
        assertEquals(
                "consumers must be 0 (no inference subtask) or more, got -1",
                assertThrows(IllegalArgumentException.class, () -> DispatchSchedule.of(3, -1))
                        .getMessage());
        DispatchSchedule schedule = DispatchSchedule.of(3, 2);
        assertEquals(
                "Producer index 3 is outside [0, 3) for a schedule of 3 producers",
                assertThrows(IllegalArgumentException.class, () -> schedule.consumerFor(3, 0))
                        .getMessage());
        assertEquals(
                "Batch sequence number must be 0 or more, got -1",
                assertThrows(IllegalArgumentException.class, () -> schedule.consumerFor(0, -1))
                        .getMessage());
    }

    /** Prints the comparison table for the pairs (derived, not asserted). */
    @Test
    void printsTheComparisonWithTheReference() {
        int[][] pairs = {{4, 2}, {7, 2}, {15, 4}, {4, 5}, {8, 9}, {31, 8}, {16, 10}, {64, 8}};
        List<String> lines = new ArrayList<>();
        lines.add(
                String.format(
                        "%4s %4s | %14s %14s | %12s %12s | %11s %11s",
                        "P",
                        "C",
                        "ours max p/c",
                        "ref max p/c",
                        "ours links",
                        "ref links",
                        "ours burst",
                        "ref burst"));
        for (int[] pair : pairs) {
            ScheduleStats ours = DispatchSchedule.of(pair[0], pair[1]).stats();
            ScheduleStats ref = ReferenceSchedule.of(pair[0], pair[1]).stats();
            assertTrue(ours.maxProducersPerConsumer() <= ref.maxProducersPerConsumer());
            lines.add(
                    String.format(
                            "%4d %4d | %14d %14d | %12d %12d | %11d %11d",
                            pair[0],
                            pair[1],
                            ours.maxProducersPerConsumer(),
                            ref.maxProducersPerConsumer(),
                            ours.links(),
                            ref.links(),
                            ours.maxBurst(),
                            ref.maxBurst()));
        }
        System.out.println(String.join("\n", lines));
    }
}
