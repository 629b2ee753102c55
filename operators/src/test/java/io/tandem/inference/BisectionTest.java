package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class BisectionTest {

    /** An attempt that fails when its range holds a poison document; records what it ran. */
    private static final class Poisoned implements Bisection.Attempt<List<Integer>> {
        private final Set<Integer> poison;
        final List<String> ranges = new ArrayList<>();

        Poisoned(Integer... poison) {
            this.poison = Set.of(poison);
        }

        @Override
        public List<Integer> run(int from, int to) {
            ranges.add(from + "-" + to);
            List<Integer> docs = new ArrayList<>();
            for (int doc = from; doc < to; doc++) {
                if (poison.contains(doc)) {
                    throw new IllegalArgumentException("poison " + doc);
                }
                docs.add(doc);
            }
            return docs;
        }
    }

    private static List<Integer> succeeded(Bisection.Outcome<List<Integer>> outcome) {
        List<Integer> docs = new ArrayList<>();
        outcome.parts().forEach(part -> docs.addAll(part.value()));
        return docs;
    }

    private static List<Integer> failed(Bisection.Outcome<?> outcome) {
        return outcome.failures().stream().map(Bisection.Failure::doc).toList();
    }

    @Test
    void aBatchThatWorksIsOneAttempt() throws Exception {
        Poisoned attempt = new Poisoned();
        var outcome = Bisection.isolate(8, attempt, e -> false);
        assertEquals(List.of("0-8"), attempt.ranges);
        assertEquals(0, outcome.extraAttempts());
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), succeeded(outcome));
    }

    @Test
    void onePoisonAmongSixtyFourCostsOneDocumentAndTwoAttemptsPerHalving() throws Exception {
        var outcome = Bisection.isolate(64, new Poisoned(37), e -> false);
        assertEquals(List.of(37), failed(outcome));
        assertEquals("poison 37", outcome.failures().get(0).error().getMessage());
        List<Integer> others = new ArrayList<>();
        for (int doc = 0; doc < 64; doc++) {
            if (doc != 37) {
                others.add(doc);
            }
        }
        assertEquals(others, succeeded(outcome), "the others succeed, in batch order");
        assertEquals(2 * 6, outcome.extraAttempts(), "2 * log2(64)");
    }

    @Test
    void twoPoisonsAreBothIsolated() throws Exception {
        var outcome = Bisection.isolate(16, new Poisoned(0, 15), e -> false);
        assertEquals(List.of(0, 15), failed(outcome));
        assertEquals(14, succeeded(outcome).size());
    }

    @Test
    void aBatchThatAlwaysFailsStopsAtTheBudgetAndFailsTheRestWhole() throws Exception {
        Bisection.Attempt<Integer> broken =
                (from, to) -> {
                    throw new IllegalStateException("sticky CUDA error");
                };
        var outcome = Bisection.isolate(64, broken, e -> false);
        assertEquals(64, outcome.failures().size(), "every document fails");
        assertTrue(
                outcome.extraAttempts() <= Bisection.extraAttemptBudget(64),
                outcome.extraAttempts() + " extra attempts");
        assertEquals(38, Bisection.extraAttemptBudget(64));
    }

    @Test
    void allocationFailuresAreCounted() throws Exception {
        Bisection.Attempt<Integer> tooBig =
                (from, to) -> {
                    if (to - from > 2) {
                        throw new OutOfMemoryError("Direct buffer memory");
                    }
                    return to - from;
                };
        var outcome = Bisection.isolate(8, tooBig, e -> false);
        assertEquals(List.of(), failed(outcome), "halves of two fit");
        assertEquals(3, outcome.allocationFailures(), "8, then both halves of 4");
        assertEquals(4, outcome.parts().size());
    }

    @Test
    void aFailureThatIsNoDocumentsFaultPropagatesWithoutSplitting() {
        IllegalStateException cancelled = new IllegalStateException("cancelled");
        Poisoned attempt = new Poisoned(3);
        Bisection.Attempt<List<Integer>> cancelling =
                (from, to) -> {
                    attempt.run(from, to);
                    throw cancelled;
                };
        Exception thrown =
                assertThrows(
                        Exception.class,
                        () -> Bisection.isolate(8, cancelling, e -> e == cancelled));
        assertSame(cancelled, thrown);
    }
}
