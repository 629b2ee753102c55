package io.tandem.job.jdbc;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Set;
import java.util.TreeMap;

/**
 * How far a followed NOTE has been turned into splits: the highest {@code note_id} read so far, and
 * the gaps, ids below it that were missing from the newest ids when they were polled. A sequence
 * may hand id 101 to a transaction that commits after the one holding 102: 101 is then a gap, and a
 * later poll that finds it reads it. A gap nobody commits (a rolled-back insert, a sequence's
 * cached ids) is given up after a timeout.
 *
 * <p>Immutable: the enumerator polls on a worker thread from one position and applies the result on
 * its own thread.
 *
 * @param highest the highest note_id turned into splits, or null before the first note
 * @param gaps each gap's note_id and when (epoch ms) it was first found missing, in note_id order
 */
record FollowPosition(Long highest, Map<Long, Long> gaps) {

    /**
     * Ids below the newest polled one that are looked at for gaps; a missing id further down is a
     * hole that stays (a deleted note), not a transaction still running.
     */
    static final int GAP_WINDOW = 1000;

    /** Gaps kept at most, the lowest given up first. */
    static final int MAX_GAPS = 10_000;

    static final FollowPosition START = new FollowPosition(null, Map.of());

    FollowPosition {
        gaps = Collections.unmodifiableNavigableMap(new TreeMap<>(gaps));
    }

    /**
     * What one poll found, in one snapshot of the table.
     *
     * @param min the lowest note_id above {@link #highest}, or null if none
     * @param max the highest note_id above {@link #highest}, or null if none
     * @param window the note_ids present among the top {@value #GAP_WINDOW} ids up to {@code max}
     * @param gapsFound the {@link #gaps} now present
     */
    record Poll(Long min, Long max, NavigableSet<Long> window, Set<Long> gapsFound) {}

    /** An inclusive note_id range to read. */
    record Range(long first, long last) {}

    /**
     * The next position and what to read to get there.
     *
     * @param newRange the new ids above {@link #highest}, or null if none
     * @param foundGaps the gaps that are now present, each read alone
     * @param givenUp the gaps given up: timed out, or beyond {@value #MAX_GAPS}
     */
    record Step(FollowPosition next, Range newRange, List<Long> foundGaps, List<Long> givenUp) {
        boolean moved() {
            return newRange != null || !foundGaps.isEmpty() || !givenUp.isEmpty();
        }
    }

    /**
     * @param now epoch ms of the poll
     * @param gapTimeout how long a gap is waited for
     */
    Step advance(Poll poll, long now, Duration gapTimeout) {
        TreeMap<Long, Long> nextGaps = new TreeMap<>(gaps);
        List<Long> found = new ArrayList<>();
        for (Long id : poll.gapsFound()) {
            if (nextGaps.remove(id) != null) {
                found.add(id);
            }
        }
        Collections.sort(found);
        Range newRange = null;
        Long nextHighest = highest;
        if (poll.max() != null && (highest == null || poll.max() > highest)) {
            long first = highest == null ? poll.min() : highest + 1;
            newRange = new Range(first, poll.max());
            nextHighest = poll.max();
            long windowLow = Math.max(first, poll.max() - GAP_WINDOW + 1);
            for (long id = windowLow; id < poll.max(); id++) {
                if (!poll.window().contains(id)) {
                    nextGaps.put(id, now);
                }
            }
        }
        List<Long> givenUp = new ArrayList<>();
        for (Map.Entry<Long, Long> gap : List.copyOf(nextGaps.entrySet())) {
            if (now - gap.getValue() > gapTimeout.toMillis()) {
                nextGaps.remove(gap.getKey());
                givenUp.add(gap.getKey());
            }
        }
        while (nextGaps.size() > MAX_GAPS) {
            givenUp.add(nextGaps.pollFirstEntry().getKey());
        }
        return new Step(new FollowPosition(nextHighest, nextGaps), newRange, found, givenUp);
    }

    @Override
    public String toString() {
        return "note_id " + highest + ", " + gaps.size() + " gaps";
    }
}
