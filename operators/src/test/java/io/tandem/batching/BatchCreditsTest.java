package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The per-JVM registry where a producer's batcher and join meet: the join finds only the credits a
 * batcher of its own subtask and attempt registered, and an entry outlives neither side's need.
 */
class BatchCreditsTest {
    private static final int CAPACITY = 2;

    private static BatchCredits.Key key(int producer, int attempt) {
        return BatchCredits.key(UUID.randomUUID().toString(), producer, attempt);
    }

    @Test
    void theJoinGetsTheCreditsItsBatcherRegistered() throws Exception {
        BatchCredits.Key key = key(0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        BatchCredits join = BatchCredits.awaitBatcherThenJoin(key, CAPACITY, Duration.ofSeconds(1));
        assertSame(batcher, join);
        batcher.leave(BatchCredits.Side.BATCHER);
        join.leave(BatchCredits.Side.JOIN);
    }

    @Test
    void aJoinWithoutABatcherInThisJvmTimesOutInsteadOfMakingCreditsOfItsOwn() {
        BatchCredits.Key key = key(3, 1);
        int before = BatchCredits.registered();
        TimeoutException e =
                assertThrows(
                        TimeoutException.class,
                        () ->
                                BatchCredits.awaitBatcherThenJoin(
                                        key, CAPACITY, Duration.ofMillis(50)));
        assertEquals("no batcher registered credits " + key + " in PT0.05S", e.getMessage());
        assertEquals(before, BatchCredits.registered(), "the join registered nothing");
    }

    @Test
    void creditsOfABatcherThatFinishedBeforeItsJoinOpenedWaitForTheJoin() throws Exception {
        BatchCredits.Key key = key(0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        assertEquals(true, batcher.tryAcquire());
        batcher.leave(BatchCredits.Side.BATCHER);

        BatchCredits join = BatchCredits.awaitBatcherThenJoin(key, CAPACITY, Duration.ofSeconds(1));
        assertSame(batcher, join, "the join still finds the credit the batcher took");
        join.release(0);
        int withBoth = BatchCredits.registered();
        join.leave(BatchCredits.Side.JOIN);
        assertEquals(withBoth - 1, BatchCredits.registered(), "gone once both sides left");
    }

    @Test
    void aLaterAttemptDropsTheEntriesOfEarlierAttemptsOfItsProducer() {
        String job = UUID.randomUUID().toString();
        BatchCredits.join(BatchCredits.key(job, 0, 0), CAPACITY, BatchCredits.Side.BATCHER);
        BatchCredits otherProducer =
                BatchCredits.join(BatchCredits.key(job, 1, 0), CAPACITY, BatchCredits.Side.BATCHER);
        int before = BatchCredits.registered();

        BatchCredits restarted =
                BatchCredits.join(BatchCredits.key(job, 0, 1), CAPACITY, BatchCredits.Side.BATCHER);
        assertEquals(before, BatchCredits.registered(), "attempt 0 of producer 0 replaced");

        restarted.leave(BatchCredits.Side.BATCHER);
        restarted.leave(BatchCredits.Side.JOIN);
        otherProducer.leave(BatchCredits.Side.BATCHER);
        otherProducer.leave(BatchCredits.Side.JOIN);
        assertEquals(before - 2, BatchCredits.registered());
    }

    @Test
    void aSecondBatcherForTheSameSubtaskAndAttemptIsRefused() {
        BatchCredits.Key key = key(0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER));
        assertEquals("Credits " + key + " already have a BATCHER side", e.getMessage());
        batcher.leave(BatchCredits.Side.BATCHER);
        batcher.leave(BatchCredits.Side.JOIN);
    }
}
