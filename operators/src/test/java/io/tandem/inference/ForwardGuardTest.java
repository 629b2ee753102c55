package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.tensor.TensorMap;
import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ForwardGuardTest {

    /** A forward pass that hangs until terminated, as ONNX Runtime's does when asked to stop. */
    private static final class HangingRunner implements ForwardRunner {
        final CountDownLatch started = new CountDownLatch(1);
        final CountDownLatch terminated = new CountDownLatch(1);
        volatile boolean hang = true;

        @Override
        public TensorMap forward(TensorMap batch) throws Exception {
            if (!hang) {
                return batch;
            }
            started.countDown();
            if (!terminated.await(60, TimeUnit.SECONDS)) {
                throw new AssertionError("never terminated");
            }
            throw new IllegalStateException("Exiting due to terminate flag being set to true.");
        }

        @Override
        public void terminate() {
            terminated.countDown();
        }

        @Override
        public void close() {}
    }

    @Test
    void aForwardPassPastTheLimitIsTerminatedAndFailsNamingTheKey() {
        HangingRunner runner = new HangingRunner();
        try (ForwardGuard guard =
                new ForwardGuard(
                        runner, "ner", Duration.ofMillis(200), Duration.ofSeconds(5), "t")) {
            long start = System.nanoTime();
            ForwardTimeoutException error =
                    assertThrows(
                            ForwardTimeoutException.class, () -> guard.forward(TensorMap.of()));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            assertEquals(
                    "forward pass of model 'ner' ran past tandem.forward-timeout (200 ms) and was"
                            + " terminated",
                    error.getMessage());
            assertInstanceOf(IllegalStateException.class, error.getCause());
            assertTrue(tookMillis < 10_000, "ended after " + tookMillis + " ms");
        }
    }

    @Test
    void aPassWithinTheLimitIsNotDisturbedAndLaterAlarmsDoNotStopTheNextPass() throws Exception {
        HangingRunner runner = new HangingRunner();
        runner.hang = false;
        try (ForwardGuard guard =
                new ForwardGuard(
                        runner, "ner", Duration.ofMillis(50), Duration.ofSeconds(5), "t")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(TensorMap.of(), guard.forward(TensorMap.of()));
            }
            Thread.sleep(150);
            assertEquals(1, runner.terminated.getCount(), "no terminate after the passes ended");
        }
    }

    @Test
    void cancellingStopsThePassInProgressWithItsOwnError() throws Exception {
        HangingRunner runner = new HangingRunner();
        try (ForwardGuard guard =
                new ForwardGuard(runner, "ner", Duration.ofHours(1), Duration.ofSeconds(5), "t")) {
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread task =
                    new Thread(
                            () -> {
                                try {
                                    guard.forward(TensorMap.of());
                                } catch (Throwable t) {
                                    failure.set(t);
                                }
                            });
            task.start();
            assertTrue(runner.started.await(10, TimeUnit.SECONDS));
            guard.cancel();
            task.join(10_000);
            assertInstanceOf(IllegalStateException.class, failure.get(), "not a timeout");
            assertTrue(guard.isCancelled());
        }
    }

    @Test
    void aNonPositiveLimitIsRefusedNamingTheKey() {
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new ForwardGuard(
                                        new HangingRunner(),
                                        "ner",
                                        Duration.ZERO,
                                        Duration.ofSeconds(5),
                                        "t"));
        assertEquals("tandem.forward-timeout must be positive, got PT0S", error.getMessage());
        assertSame(IllegalArgumentException.class, error.getClass());
    }

    @Test
    void aCancelBetweenPassesStopsTheNextPassBeforeItReachesTheRunner() throws Exception {
        HangingRunner runner = new HangingRunner();
        try (ForwardGuard guard =
                new ForwardGuard(runner, "ner", Duration.ofHours(1), Duration.ofSeconds(5), "t")) {
            guard.cancel();
            CancellationException error =
                    assertThrows(CancellationException.class, () -> guard.forward(TensorMap.of()));
            assertEquals(
                    "the task is being cancelled: no forward pass of model 'ner' starts",
                    error.getMessage());
            assertEquals(1, runner.started.getCount(), "the runner never started a pass");
        }
    }

    @Test
    void theRetryLimitIsTheLongestRetryUntilAHealthyPassWasSeen() {
        try (ForwardGuard guard =
                new ForwardGuard(
                        new HangingRunner(),
                        "ner",
                        Duration.ofSeconds(30),
                        Duration.ofSeconds(5),
                        "t")) {
            assertEquals(Duration.ofSeconds(5), guard.retryLimit(8));
        }
    }

    @Test
    void theRetryLimitOfQuickPassesIsTheOneSecondFloorAndNeverMoreThanTheFullLimit()
            throws Exception {
        HangingRunner runner = new HangingRunner();
        runner.hang = false;
        try (ForwardGuard guard =
                        new ForwardGuard(
                                runner, "ner", Duration.ofSeconds(30), Duration.ofSeconds(5), "t");
                ForwardGuard shortLimit =
                        new ForwardGuard(
                                runner,
                                "ner",
                                Duration.ofMillis(500),
                                Duration.ofSeconds(5),
                                "t")) {
            for (int i = 0; i < 200; i++) {
                guard.forward(TensorMap.of(), 4);
                shortLimit.forward(TensorMap.of(), 4);
            }
            assertEquals(Duration.ofSeconds(1), guard.retryLimit(4));
            assertEquals(Duration.ofMillis(500), shortLimit.retryLimit(4));
        }
    }

    @Test
    void theRetryLimitIsTenTimesTheP99PerRowTimesTheRowsUpToTheLongestRetry() throws Exception {
        ForwardRunner slowRunner =
                new ForwardRunner() {
                    @Override
                    public TensorMap forward(TensorMap batch) throws Exception {
                        Thread.sleep(20);
                        return batch;
                    }

                    @Override
                    public void close() {}
                };
        try (ForwardGuard guard =
                new ForwardGuard(
                        slowRunner, "ner", Duration.ofSeconds(60), Duration.ofSeconds(30), "t")) {
            for (int i = 0; i < 20; i++) {
                guard.forward(TensorMap.of(), 1);
            }
            // At least 20 ms per row: 10 x 20 ms x 10 rows = 2 s, at least.
            Duration tenRows = guard.retryLimit(10);
            assertTrue(tenRows.compareTo(Duration.ofSeconds(2)) >= 0, tenRows.toString());
            assertEquals(Duration.ofSeconds(30), guard.retryLimit(1_000_000));
        }
    }

    @Test
    void theLongestBatchIsOneFullLimitThenTheSplittingBudgetOfRetries() {
        // 32 documents: 6 * log2(32) + 2 = 32 extra attempts of at most 5 s each.
        assertEquals(
                Duration.ofSeconds(120 + 32 * 5),
                ForwardGuard.longestBatch(Duration.ofSeconds(120), Duration.ofSeconds(5), 32));
        // A retry never gets more than the full limit.
        assertEquals(
                Duration.ofSeconds(2 + 32 * 2),
                ForwardGuard.longestBatch(Duration.ofSeconds(2), Duration.ofSeconds(5), 32));
    }
}
