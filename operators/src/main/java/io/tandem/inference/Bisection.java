package io.tandem.inference;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Isolates the documents that make a batch fail. A failing attempt on documents {@code [from, to)}
 * is split in halves, each retried, until the failing documents stand alone: only they fail, the
 * others succeed in the parts that worked. The same splitting serves collation, the forward pass
 * and postprocessing, in both layouts, and also shrinks a batch that does not fit in memory.
 *
 * <p>One poison document among n costs about 2·log2(n) extra attempts. Attempts beyond {@link
 * #extraAttemptBudget} are not made: the documents still unresolved then fail with the error of
 * their range, so a model that fails every batch costs a bounded number of retries (and trips the
 * circuit breaker) instead of one attempt per document.
 */
public final class Bisection {

    private Bisection() {}

    /** One attempt on the documents {@code [from, to)} of the batch. */
    @FunctionalInterface
    public interface Attempt<T> {
        T run(int from, int to) throws Exception;
    }

    /** Documents {@code [from, to)} succeeded together with {@code value}. */
    public record Part<T>(int from, int to, T value) {}

    /** Document {@code doc} failed alone (or unresolved once the budget was spent). */
    public record Failure(int doc, Throwable error) {}

    /**
     * What came of the batch: the parts that succeeded, in document order, and the documents that
     * failed, in document order.
     *
     * @param extraAttempts attempts made beyond the first
     * @param allocationFailures attempts that failed for want of memory
     */
    public record Outcome<T>(
            List<Part<T>> parts,
            List<Failure> failures,
            int extraAttempts,
            int allocationFailures) {
        public boolean failed() {
            return !failures.isEmpty();
        }
    }

    /** Extra attempts allowed for a batch of {@code documents}: room for about three poisons. */
    public static int extraAttemptBudget(int documents) {
        int log2 = 32 - Integer.numberOfLeadingZeros(Math.max(1, documents - 1));
        return 6 * log2 + 2;
    }

    /**
     * Runs {@code attempt} on all {@code documents}, splitting failures as described above.
     *
     * @param propagate failures that are no document's fault (the task is cancelled): thrown as
     *     they are, without splitting
     */
    public static <T> Outcome<T> isolate(
            int documents, Attempt<T> attempt, Predicate<Throwable> propagate) throws Exception {
        Run<T> run = new Run<>(attempt, propagate, extraAttemptBudget(documents));
        if (documents > 0) {
            run.attempt(0, documents);
        }
        return new Outcome<>(run.parts, run.failures, run.attempts - 1, run.allocationFailures);
    }

    private static final class Run<T> {
        private final Attempt<T> attempt;
        private final Predicate<Throwable> propagate;
        private final int budget;
        private final List<Part<T>> parts = new ArrayList<>();
        private final List<Failure> failures = new ArrayList<>();
        private int attempts;
        private int promisedExtra;
        private int allocationFailures;

        Run(Attempt<T> attempt, Predicate<Throwable> propagate, int budget) {
            this.attempt = attempt;
            this.propagate = propagate;
            this.budget = budget;
        }

        void attempt(int from, int to) throws Exception {
            attempts++;
            Throwable error;
            try {
                parts.add(new Part<>(from, to, attempt.run(from, to)));
                return;
            } catch (Exception | OutOfMemoryError e) {
                error = e;
            }
            if (propagate.test(error)) {
                if (error instanceof Exception exception) {
                    throw exception;
                }
                throw (OutOfMemoryError) error;
            }
            if (AllocationFailures.isAllocationFailure(error)) {
                allocationFailures++;
            }
            // Splitting promises two more attempts; the budget bounds all promised ones.
            if (to - from == 1 || promisedExtra + 2 > budget) {
                for (int doc = from; doc < to; doc++) {
                    failures.add(new Failure(doc, error));
                }
                return;
            }
            promisedExtra += 2;
            int middle = (from + to) >>> 1;
            attempt(from, middle);
            attempt(middle, to);
        }
    }
}
