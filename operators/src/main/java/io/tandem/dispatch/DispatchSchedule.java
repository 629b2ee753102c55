package io.tandem.dispatch;

import java.util.Arrays;

/**
 * Tandem's dispatch schedule: which inference subtask (consumer) receives each tensor batch of each
 * CPU subtask (producer).
 *
 * <h2>Construction</h2>
 *
 * <ol>
 *   <li><b>Contiguous shares.</b> Lay the producers' loads end to end on a line of length P×C:
 *       producer p covers {@code [p*C, (p+1)*C)}, consumer c covers {@code [c*P, (c+1)*P)}.
 *       Producer p sends to consumer c the fraction of its interval that overlaps c's. Every
 *       consumer therefore receives exactly P/C producers' worth of batches, the overlaps form P +
 *       C − gcd(P, C) links (the least an exact even split allows), and a consumer interval of
 *       length P meets at most ⌈P/C⌉ + 1 producer intervals of length C.
 *   <li><b>Periodic lists.</b> All boundaries are multiples of g = gcd(P, C), so in units of g a
 *       producer's interval is C/g long: its list has period C/g (≤ max(P, C)) and each consumer
 *       appears as many times as the units it overlaps.
 *   <li><b>Interleaving.</b> Within the period the consumers are spread with smooth weighted
 *       round-robin (the nginx algorithm), so a producer alternates between its consumers instead
 *       of sending runs.
 *   <li><b>Staggered phases.</b> Producers are considered in order (then once more each); each
 *       rotates its list by the phase that keeps the running per-consumer counts within one batch
 *       of their fair share k×P/C and, among those, sends the fewest batches above ⌈P/C⌉ to one
 *       consumer per sequence number, given the other producers' phases. Consumers shared by
 *       several producers are thus not hit by all of them at once.
 *   <li>Each list is cut to its shortest period (a producer that feeds one consumer has {@code
 *       [c]}).
 * </ol>
 *
 * <p>The result is deterministic for given (P, C). With C = 0 there is no inference subtask: {@link
 * #hasConsumers()} is false and {@link #consumerFor} throws.
 */
public final class DispatchSchedule implements PeriodicSchedule {

    /**
     * Staggering tries every phase of every producer, twice, against the consumers it feeds: about
     * 2 × period² × (P + C) steps. Above this the phases stay at 0: the lists are still exact,
     * minimal and interleaved, only not staggered (sizes far beyond today's GPU counts).
     */
    static final long STAGGER_WORK_LIMIT = 20_000_000L;

    private final int producers;
    private final int consumers;
    private final int[][] lists;
    private final int period;
    private volatile ScheduleStats stats;

    private DispatchSchedule(int producers, int consumers, int[][] lists) {
        this.producers = producers;
        this.consumers = consumers;
        this.lists = lists;
        long common = 1;
        for (int[] list : lists) {
            if (list.length > 0) {
                common = common / Fraction.gcd(common, list.length) * list.length;
            }
        }
        this.period = consumers == 0 ? 0 : (int) common;
    }

    /**
     * The schedule for {@code producers} CPU subtasks and {@code consumers} inference subtasks.
     *
     * @param producers P, at least 1
     * @param consumers C, 0 (no inference subtask) or more
     */
    public static DispatchSchedule of(int producers, int consumers) {
        requireProducers(producers);
        requireConsumers(consumers);
        if (consumers == 0) {
            int[][] empty = new int[producers][];
            Arrays.fill(empty, new int[0]);
            return new DispatchSchedule(producers, 0, empty);
        }
        return new DispatchSchedule(producers, consumers, build(producers, consumers));
    }

    static void requireProducers(int producers) {
        if (producers <= 0) {
            throw new IllegalArgumentException(
                    "producers must be at least 1 (the CPU subtasks that send batches), got "
                            + producers);
        }
    }

    static void requireConsumers(int consumers) {
        if (consumers < 0) {
            throw new IllegalArgumentException(
                    "consumers must be 0 (no inference subtask) or more, got " + consumers);
        }
    }

    private static int[][] build(int producers, int consumers) {
        int unit = (int) Fraction.gcd(producers, consumers);
        int consumerSpan = producers / unit;
        int period = consumers / unit;
        int[][] pieceConsumers = new int[producers][];
        int[][] pieceWeights = new int[producers][];
        int[][] lists = new int[producers][];
        for (int p = 0; p < producers; p++) {
            long start = (long) p * period;
            long end = start + period;
            int first = (int) (start / consumerSpan);
            int last = (int) ((end - 1) / consumerSpan);
            pieceConsumers[p] = new int[last - first + 1];
            pieceWeights[p] = new int[last - first + 1];
            for (int c = first; c <= last; c++) {
                long overlap =
                        Math.min(end, (long) (c + 1) * consumerSpan)
                                - Math.max(start, (long) c * consumerSpan);
                pieceConsumers[p][c - first] = c;
                pieceWeights[p][c - first] = (int) overlap;
            }
            lists[p] = smoothRoundRobin(pieceConsumers[p], pieceWeights[p], period);
        }
        long staggerWork = (long) period * period * (producers + consumers);
        if (period > 1 && staggerWork <= STAGGER_WORK_LIMIT) {
            stagger(lists, pieceConsumers, pieceWeights, consumers, period);
        }
        for (int p = 0; p < producers; p++) {
            lists[p] = shortestPeriod(lists[p]);
        }
        return lists;
    }

    /**
     * Smooth weighted round-robin: each step every consumer gains its weight, the one with the most
     * credit (the lowest index on ties) is picked and pays the period. Over one period each
     * consumer is picked exactly {@code weight} times, spread rather than bunched.
     */
    static int[] smoothRoundRobin(int[] consumerIds, int[] weights, int period) {
        long[] credit = new long[consumerIds.length];
        int[] list = new int[period];
        for (int step = 0; step < period; step++) {
            int best = 0;
            for (int i = 0; i < consumerIds.length; i++) {
                credit[i] += weights[i];
                if (credit[i] > credit[best]) {
                    best = i;
                }
            }
            credit[best] -= period;
            list[step] = consumerIds[best];
        }
        return list;
    }

    /**
     * Rotates each producer's list to the phase that keeps the consumers it feeds closest to their
     * fair running share: first greedily in producer order, then once more per producer against all
     * the others, keeping a new phase only when it scores strictly better.
     */
    private static void stagger(
            int[][] lists,
            int[][] pieceConsumers,
            int[][] pieceWeights,
            int consumers,
            int period) {
        int[][] hits = new int[consumers][period];
        // Placed producers' units per consumer: the fair count over k steps is k × units / period.
        long[] placedUnits = new long[consumers];
        for (int p = 0; p < lists.length; p++) {
            lists[p] =
                    rotate(
                            lists[p],
                            bestPhase(
                                    lists[p],
                                    p,
                                    pieceConsumers,
                                    pieceWeights,
                                    hits,
                                    placedUnits,
                                    period));
            place(lists[p], p, pieceConsumers, pieceWeights, hits, placedUnits, +1);
        }
        for (int p = 0; p < lists.length; p++) {
            if (pieceConsumers[p].length > 1) {
                place(lists[p], p, pieceConsumers, pieceWeights, hits, placedUnits, -1);
                lists[p] =
                        rotate(
                                lists[p],
                                bestPhase(
                                        lists[p],
                                        p,
                                        pieceConsumers,
                                        pieceWeights,
                                        hits,
                                        placedUnits,
                                        period));
                place(lists[p], p, pieceConsumers, pieceWeights, hits, placedUnits, +1);
            }
        }
    }

    /**
     * The phase with the lowest {@link #phaseScore}, the smallest on ties (so 0 if nothing beats
     * it).
     */
    private static int bestPhase(
            int[] list,
            int producer,
            int[][] pieceConsumers,
            int[][] pieceWeights,
            int[][] hits,
            long[] placedUnits,
            int period) {
        if (pieceConsumers[producer].length == 1) {
            return 0;
        }
        int bestPhase = 0;
        long[] bestScore = null;
        for (int phase = 0; phase < period; phase++) {
            long[] score =
                    phaseScore(
                            list,
                            phase,
                            pieceConsumers[producer],
                            pieceWeights[producer],
                            hits,
                            placedUnits,
                            period);
            if (bestScore == null || Arrays.compare(score, bestScore) < 0) {
                bestScore = score;
                bestPhase = phase;
            }
        }
        return bestPhase;
    }

    private static int[] rotate(int[] list, int phase) {
        int[] rotated = new int[list.length];
        for (int j = 0; j < list.length; j++) {
            rotated[j] = list[(j + phase) % list.length];
        }
        return rotated;
    }

    private static void place(
            int[] list,
            int producer,
            int[][] pieceConsumers,
            int[][] pieceWeights,
            int[][] hits,
            long[] placedUnits,
            int sign) {
        for (int j = 0; j < list.length; j++) {
            hits[list[j]][j] += sign;
        }
        for (int i = 0; i < pieceConsumers[producer].length; i++) {
            placedUnits[pieceConsumers[producer][i]] += sign * (long) pieceWeights[producer][i];
        }
    }

    /**
     * Lexicographic cost of a phase, over the consumers this producer feeds and the producers
     * already placed:
     *
     * <ol>
     *   <li>the worst deviation of a running count from its fair share k × units / period (in
     *       1/period batches), counted only when it reaches one whole batch;
     *   <li>the worst excess of one step's batches over the fair ceiling;
     *   <li>how many steps exceed that ceiling;
     *   <li>the worst deviation again, now also below one batch.
     * </ol>
     */
    private static long[] phaseScore(
            int[] list,
            int phase,
            int[] consumerIds,
            int[] weights,
            int[][] hits,
            long[] placedUnits,
            int period) {
        long worstDeviation = 0;
        long worstExcess = 0;
        long excessSteps = 0;
        for (int i = 0; i < consumerIds.length; i++) {
            int consumer = consumerIds[i];
            long units = placedUnits[consumer] + weights[i];
            long fairCeiling = (units + period - 1) / period;
            long running = 0;
            for (int j = 0; j < period; j++) {
                int load = hits[consumer][j] + (list[(j + phase) % period] == consumer ? 1 : 0);
                if (load > fairCeiling) {
                    worstExcess = Math.max(worstExcess, load - fairCeiling);
                    excessSteps++;
                }
                running += load;
                worstDeviation =
                        Math.max(worstDeviation, Math.abs(running * period - (j + 1) * units));
            }
        }
        // Any phase within one batch of the fair share is fair enough; then avoid bursts.
        long unfair = worstDeviation >= period ? worstDeviation : 0;
        return new long[] {unfair, worstExcess, excessSteps, worstDeviation};
    }

    private static int[] shortestPeriod(int[] list) {
        for (int length = 1; length < list.length; length++) {
            if (list.length % length != 0) {
                continue;
            }
            boolean repeats = true;
            for (int j = length; j < list.length && repeats; j++) {
                repeats = list[j] == list[j - length];
            }
            if (repeats) {
                return Arrays.copyOf(list, length);
            }
        }
        return list;
    }

    @Override
    public int producers() {
        return producers;
    }

    @Override
    public int consumers() {
        return consumers;
    }

    /**
     * The period of the whole schedule: the least common multiple of the producers' list lengths (C
     * / gcd(P, C) or a divisor of it); 0 without consumers.
     */
    public int period() {
        return period;
    }

    @Override
    public int[] periodOf(int producer) {
        requireProducerIndex(producer);
        return lists[producer].clone();
    }

    @Override
    public int consumerFor(int producer, long seq) {
        if (consumers == 0) {
            throw new IllegalStateException(
                    "The dispatch schedule for "
                            + producers
                            + " producers has no consumers (0 inference subtasks): batches are"
                            + " run by the producer itself, never dispatched");
        }
        requireProducerIndex(producer);
        if (seq < 0) {
            throw new IllegalArgumentException(
                    "Batch sequence number must be 0 or more, got " + seq);
        }
        int[] list = lists[producer];
        return list[(int) (seq % list.length)];
    }

    private void requireProducerIndex(int producer) {
        if (producer < 0 || producer >= producers) {
            throw new IllegalArgumentException(
                    "Producer index "
                            + producer
                            + " is outside [0, "
                            + producers
                            + ") for a schedule of "
                            + producers
                            + " producers");
        }
    }

    @Override
    public ScheduleStats stats() {
        if (stats == null) {
            stats = ScheduleStats.of(this);
        }
        return stats;
    }

    /** One line for the job log, e.g. {@code "8 -> 9: period 9, 16 links, ..."}. */
    public String summary() {
        if (consumers == 0) {
            return producers + " -> 0: no inference subtask, producers run inference in place";
        }
        ScheduleStats s = stats();
        return producers
                + " -> "
                + consumers
                + ": period "
                + period
                + ", "
                + s.links()
                + " links, at most "
                + s.maxProducersPerConsumer()
                + " producers per consumer, burst at most "
                + s.maxBurst();
    }

    @Override
    public boolean equals(Object other) {
        // Deterministic: the sizes determine the lists.
        return other instanceof DispatchSchedule that
                && producers == that.producers
                && consumers == that.consumers;
    }

    @Override
    public int hashCode() {
        return 31 * producers + consumers;
    }

    @Override
    public String toString() {
        return "DispatchSchedule{" + summary() + "}";
    }
}
