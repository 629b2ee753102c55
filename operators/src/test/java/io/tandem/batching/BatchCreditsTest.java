package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.records.PendingDocs;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/**
 * The per-JVM registry where a producer's batcher and join meet: the join finds only the credits
 * and documents a batcher of its own subtask and attempt registered, and an entry, with the
 * documents in it, outlives neither side's need.
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

    private static PendingDocs batch(long seq) {
        return new PendingDocs(
                0, seq, List.of(TestingDocs.doc("d" + seq, seq, 3)), new long[] {seq}, new byte[0]);
    }

    @Test
    void theJoinTakesEachBatchOfDocumentsItsBatcherHandedOverOnce() throws Exception {
        BatchCredits.Key key = key(0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        BatchCredits join = BatchCredits.awaitBatcherThenJoin(key, CAPACITY, Duration.ofSeconds(1));
        PendingDocs first = batch(0);
        batcher.handOver(first);
        batcher.handOver(batch(1));
        assertEquals(2, join.batchesHandedOver());

        assertSame(first, join.takeHandedOver(0), "the very objects: nothing was serialized");
        assertEquals(1, join.batchesHandedOver(), "taken means removed");
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> join.takeHandedOver(0));
        assertEquals(
                "The documents of batch 0 were not handed over in "
                        + key
                        + " in this JVM (batches waiting there: [1]): the batcher and the join of"
                        + " one producer must run in the same TaskManager and attempt",
                e.getMessage());
        batcher.leave(BatchCredits.Side.BATCHER);
        join.leave(BatchCredits.Side.JOIN);
    }

    @Test
    void aRestartedAttemptNeverSeesTheDocumentsOfThePreviousOne() throws Exception {
        String job = UUID.randomUUID().toString();
        BatchCredits failed =
                BatchCredits.join(BatchCredits.key(job, 0, 0), CAPACITY, BatchCredits.Side.BATCHER);
        failed.handOver(batch(0)); // its handle never reached the join: the attempt failed

        BatchCredits.Key restartedKey = BatchCredits.key(job, 0, 1);
        BatchCredits restarted =
                BatchCredits.join(restartedKey, CAPACITY, BatchCredits.Side.BATCHER);
        BatchCredits join =
                BatchCredits.awaitBatcherThenJoin(restartedKey, CAPACITY, Duration.ofSeconds(1));
        assertEquals(0, failed.batchesHandedOver(), "dropped with its attempt");
        assertEquals(0, join.batchesHandedOver());
        assertThrows(IllegalStateException.class, () -> join.takeHandedOver(0));
        assertEquals(1, BatchCredits.entriesOfJob(job), "only the restarted attempt's entry");

        failed.handOver(batch(1)); // a late batch of the old attempt, before its task ended
        assertEquals(0, failed.batchesHandedOver(), "refused: a later attempt replaced it");
        restarted.leave(BatchCredits.Side.BATCHER);
        join.leave(BatchCredits.Side.JOIN);
        assertEquals(0, BatchCredits.entriesOfJob(job));
    }

    @Test
    void documentsLeftWhenTheJoinClosesAreDroppedAndLaterOnesRefused() throws Exception {
        String job = UUID.randomUUID().toString();
        BatchCredits.Key key = BatchCredits.key(job, 0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        BatchCredits join = BatchCredits.awaitBatcherThenJoin(key, CAPACITY, Duration.ofSeconds(1));
        batcher.handOver(batch(0));

        join.leave(BatchCredits.Side.JOIN); // failed or cancelled
        assertEquals(0, batcher.batchesHandedOver(), "nobody takes them any more");
        batcher.handOver(batch(1));
        assertEquals(0, batcher.batchesHandedOver(), "the batcher's later batches are dropped");

        batcher.leave(BatchCredits.Side.BATCHER);
        assertEquals(0, BatchCredits.entriesOfJob(job), "the entry is gone with both sides");
    }

    @Test
    void documentsOfABatcherThatFinishedBeforeItsJoinOpenedWaitForTheJoin() throws Exception {
        String job = UUID.randomUUID().toString();
        BatchCredits.Key key = BatchCredits.key(job, 0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        batcher.handOver(batch(0));
        batcher.leave(BatchCredits.Side.BATCHER);

        BatchCredits join = BatchCredits.awaitBatcherThenJoin(key, CAPACITY, Duration.ofSeconds(1));
        assertTrue(join.takeHandedOver(0).docs().get(0).id().equals("d0"));
        join.leave(BatchCredits.Side.JOIN);
        assertEquals(0, BatchCredits.entriesOfJob(job));
    }

    @Test
    void aBatchHandedOverTwiceIsRefusedNamingIt() {
        BatchCredits.Key key = key(0, 0);
        BatchCredits batcher = BatchCredits.join(key, CAPACITY, BatchCredits.Side.BATCHER);
        batcher.handOver(batch(4));
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> batcher.handOver(batch(4)));
        assertEquals("Documents of batch 4 handed over twice in " + key, e.getMessage());
        batcher.leave(BatchCredits.Side.BATCHER);
        batcher.leave(BatchCredits.Side.JOIN);
    }
}
