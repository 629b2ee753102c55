package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.apache.flink.connector.jdbc.core.datastream.source.split.JdbcSourceSplit;
import org.junit.jupiter.api.Test;

/**
 * The follow mode's position: what each poll turns into ranges to read, the gaps left by notes
 * committed out of order, and the checkpointed state through its serializer.
 */
class FollowPositionTest {
    private static final Duration TEN_MINUTES = Duration.ofMinutes(10);
    private static final NoteFollowEnumerator.Settings SETTINGS =
            new NoteFollowEnumerator.Settings(
                    null,
                    "note",
                    "SELECT * FROM note WHERE note_id BETWEEN ? AND ? ORDER BY note_id",
                    Duration.ofSeconds(1),
                    16,
                    TEN_MINUTES);

    /** A poll finding {@code present} above the position (and these gaps now present). */
    private static FollowPosition.Poll poll(List<Long> present, Long... gapsFound) {
        TreeSet<Long> ids = new TreeSet<>(present);
        return new FollowPosition.Poll(
                ids.isEmpty() ? null : ids.first(),
                ids.isEmpty() ? null : ids.last(),
                ids.tailSet(ids.isEmpty() ? 0 : ids.last() - FollowPosition.GAP_WINDOW + 1, true),
                Set.of(gapsFound));
    }

    private static List<Long> ids(long first, long last) {
        return LongStream.rangeClosed(first, last).boxed().toList();
    }

    @Test
    void theFirstPollReadsEveryNoteThereIsAsOneRange() {
        FollowPosition.Step step = FollowPosition.START.advance(poll(ids(7, 500)), 0, TEN_MINUTES);

        assertEquals(new FollowPosition.Range(7, 500), step.newRange());
        assertEquals(500L, step.next().highest());
        assertTrue(step.next().gaps().isEmpty());
    }

    @Test
    void aPollThatFindsNothingNewMovesNothing() {
        FollowPosition at = new FollowPosition(500L, Map.of());

        FollowPosition.Step step = at.advance(poll(List.of()), 0, TEN_MINUTES);

        assertFalse(step.moved());
        assertEquals(at, step.next());
        assertFalse(FollowPosition.START.advance(poll(List.of()), 0, TEN_MINUTES).moved());
    }

    @Test
    void aNoteCommittedAfterAHigherOneIsReadWhenALaterPollFindsIt() {
        FollowPosition at = new FollowPosition(100L, Map.of());

        // 101's transaction took its id first and has not committed; 102's has.
        FollowPosition.Step first = at.advance(poll(List.of(102L)), 1_000, TEN_MINUTES);
        assertEquals(new FollowPosition.Range(101, 102), first.newRange());
        assertEquals(Map.of(101L, 1_000L), first.next().gaps());

        FollowPosition.Step stillMissing =
                first.next().advance(poll(List.of()), 2_000, TEN_MINUTES);
        assertFalse(stillMissing.moved());

        FollowPosition.Step committed =
                first.next().advance(poll(List.of(103L), 101L), 3_000, TEN_MINUTES);
        assertEquals(List.of(101L), committed.foundGaps());
        assertEquals(new FollowPosition.Range(103, 103), committed.newRange());
        assertEquals(103L, committed.next().highest());
        assertTrue(committed.next().gaps().isEmpty());
    }

    @Test
    void aGapNobodyCommitsIsGivenUpAfterTheTimeout() {
        FollowPosition at = new FollowPosition(100L, Map.of(101L, 1_000L, 150L, 5_000L));

        FollowPosition.Step step =
                at.advance(poll(List.of()), 1_000 + TEN_MINUTES.toMillis() + 1, TEN_MINUTES);

        assertEquals(List.of(101L), step.givenUp());
        assertEquals(Map.of(150L, 5_000L), step.next().gaps());
        assertTrue(step.foundGaps().isEmpty());
    }

    @Test
    void idsMissingFarBelowTheNewestAreHolesNotGaps() {
        List<Long> present = new ArrayList<>(ids(1, 5_000));
        present.remove(Long.valueOf(10)); // a deleted note
        present.remove(Long.valueOf(4_990)); // a transaction not committed yet

        FollowPosition.Step step = FollowPosition.START.advance(poll(present), 0, TEN_MINUTES);

        assertEquals(new FollowPosition.Range(1, 5_000), step.newRange());
        assertEquals(Set.of(4_990L), step.next().gaps().keySet());
    }

    @Test
    void beyondTheLimitTheLowestGapsAreGivenUp() {
        FollowPosition at = new FollowPosition(0L, Map.of());
        List<Long> givenUp = new ArrayList<>();
        // Each poll finds only the newest of a thousand ids: 999 gaps each.
        for (int i = 1; i <= 11; i++) {
            FollowPosition.Step step = at.advance(poll(List.of(i * 1_000L)), i, TEN_MINUTES);
            givenUp.addAll(step.givenUp());
            at = step.next();
        }
        assertEquals(FollowPosition.MAX_GAPS, at.gaps().size());
        assertEquals(11 * 999 - FollowPosition.MAX_GAPS, givenUp.size());
        assertEquals(ids(1, givenUp.size()), givenUp);
    }

    @Test
    void aNewRangeIsCutInSplitsOfAtLeastAHundredIdsAndEachFoundGapReadAlone() {
        FollowPosition.Step catchUp =
                FollowPosition.START.advance(poll(ids(1, 10_000)), 0, TEN_MINUTES);
        List<JdbcSourceSplit> splits = NoteFollowEnumerator.splitsOf(catchUp, SETTINGS);
        assertEquals(16, splits.size());
        long next = 1;
        for (JdbcSourceSplit split : splits) {
            Object[] between = split.getParameters();
            assertEquals(next, between[0], split.toString());
            next = (Long) between[1] + 1;
            assertEquals(SETTINGS.sqlTemplate(), split.getSqlTemplate());
        }
        assertEquals(10_001, next);

        FollowPosition at = new FollowPosition(100L, Map.of(42L, 0L));
        FollowPosition.Step few = at.advance(poll(ids(101, 150), 42L), 1, TEN_MINUTES);
        List<String> read =
                NoteFollowEnumerator.splitsOf(few, SETTINGS).stream()
                        .map(s -> s.splitId() + " " + List.of(s.getParameters()))
                        .toList();
        assertEquals(List.of("gap-42 [42, 42]", "ids-101-150 [101, 150]"), read);
    }

    @Test
    void theCheckpointedStateReadsBackTheSame() throws Exception {
        TreeMap<Long, Long> gaps = new TreeMap<>(Map.of(101L, 1_000L, 4_990L, 2_000L));
        FollowPosition position = new FollowPosition(5_000L, gaps);
        FollowPosition.Step step =
                new FollowPosition(4_000L, Map.of())
                        .advance(poll(ids(4_001, 5_000)), 0, TEN_MINUTES);
        List<JdbcSourceSplit> unassigned = NoteFollowEnumerator.splitsOf(step, SETTINGS);
        NoteFollowState.Serializer serializer = new NoteFollowState.Serializer();

        for (NoteFollowState state :
                List.of(
                        new NoteFollowState(position, unassigned),
                        new NoteFollowState(FollowPosition.START, List.of()))) {
            NoteFollowState read =
                    serializer.deserialize(serializer.getVersion(), serializer.serialize(state));
            assertEquals(state.position(), read.position());
            assertEquals(state.unassigned(), read.unassigned());
        }
        assertNull(FollowPosition.START.highest());
        assertEquals(10, unassigned.size());
        Serializable first = (Serializable) unassigned.get(0).getParameters()[0];
        assertEquals(4_001L, first);
    }
}
