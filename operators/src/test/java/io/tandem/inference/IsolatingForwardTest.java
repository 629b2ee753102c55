package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.records.OutputBatch.DocFailure;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.flink.core.fs.CloseableRegistry;
import org.junit.jupiter.api.Test;

/**
 * A hung document costs one pass under the full time limit: the passes that split its batch run
 * under the short retry limit derived from the healthy passes.
 */
class IsolatingForwardTest {
    private static final String IDS = "ids";
    private static final long HANGING = -1;

    /**
     * Returns its batch, after hanging until terminated when the batch holds {@link #HANGING}; it
     * records how long each hang lasted.
     */
    private static final class HangOnMarkedRow implements ForwardRunner {
        final List<Long> hangMillis = Collections.synchronizedList(new ArrayList<>());
        private volatile CountDownLatch terminated = new CountDownLatch(1);

        @Override
        public TensorMap forward(TensorMap batch) throws Exception {
            for (long id : batch.get(IDS).longs()) {
                if (id == HANGING) {
                    long start = System.nanoTime();
                    if (!terminated.await(60, TimeUnit.SECONDS)) {
                        throw new AssertionError("never terminated");
                    }
                    hangMillis.add((System.nanoTime() - start) / 1_000_000);
                    throw new IllegalStateException("Exiting due to terminate flag being set.");
                }
            }
            return batch;
        }

        @Override
        public void terminate() {
            terminated.countDown();
        }

        @Override
        public void resetTerminate() {
            terminated = new CountDownLatch(1);
        }

        @Override
        public void close() {}
    }

    private static TensorMap batch(int docs, int hanging) {
        long[] ids = new long[docs];
        for (int i = 0; i < docs; i++) {
            ids[i] = i == hanging ? HANGING : i;
        }
        return TensorMap.of(Tensor.ofLongs(IDS, new long[] {docs, 1}, ids));
    }

    private static int[] oneRowEach(int docs) {
        int[] rows = new int[docs];
        java.util.Arrays.fill(rows, 1);
        return rows;
    }

    @Test
    void aHungDocumentCostsOneFullLimitAndShortRetriesThenFailsAlone() throws Exception {
        int docs = 32;
        Duration timeout = Duration.ofSeconds(4);
        HangOnMarkedRow runner = new HangOnMarkedRow();
        try (IsolatingForward forward =
                new IsolatingForward(
                        runner,
                        "ner",
                        timeout,
                        Duration.ofSeconds(30),
                        "isolating-forward-test-timer",
                        new CloseableRegistry())) {
            // Healthy passes first: the retry limit is derived from them.
            for (int i = 0; i < 50; i++) {
                forward.forward(batch(docs, -1), oneRowEach(docs));
            }
            long start = System.nanoTime();
            IsolatingForward.Forwarded result = forward.forward(batch(docs, 17), oneRowEach(docs));
            long tookMillis = (System.nanoTime() - start) / 1_000_000;
            System.out.printf(
                    "IsolatingForwardTest: a hung document among %d failed alone after %d ms"
                            + " (limit %d ms); its passes hung %s ms%n",
                    docs, tookMillis, timeout.toMillis(), runner.hangMillis);

            assertEquals(List.of(17), result.failures().stream().map(DocFailure::doc).toList());
            assertEquals(docs - 1, result.outputs().get(IDS).dim(0));
            // The whole batch, then one half per level of the splitting: 1 + log2(32).
            assertEquals(6, runner.hangMillis.size(), "hung passes " + runner.hangMillis);
            String reason = result.failures().get(0).message();
            assertEquals(
                    "forward pass of model 'ner' ran past 1000 ms, the limit of the passes that"
                            + " split a batch after it ran past tandem.forward-timeout (4000 ms),"
                            + " and was terminated",
                    reason);
            assertEquals(
                    1,
                    runner.hangMillis.stream().filter(ms -> ms >= timeout.toMillis() - 50).count(),
                    "only the first pass waited out the full limit: " + runner.hangMillis);
        }
    }
}
