package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RunRecorderTest {
    private final String id = "test-" + UUID.randomUUID();

    @AfterEach
    void stop() {
        RunRecorder.stop(id);
    }

    /** Document i leaves at i ms and arrives at 5 + i ms, except those that never arrive. */
    private RunRecorder steadyRun(int documents) {
        RunRecorder recorder = RunRecorder.start(id, documents);
        for (int i = 0; i < documents; i++) {
            recorder.emitted(i, 1_000_000L * (i + 1));
            recorder.arrived(i, 1_000_000L * (i + 6));
        }
        return recorder;
    }

    @Test
    void wholeRunThroughputCountsFromTheFirstEmissionToTheLastArrival() {
        RunRecorder recorder = steadyRun(100);
        // 100 documents from 1 ms to 105 ms.
        assertEquals(100 / 0.104, recorder.throughput(), 1e-6);
    }

    @Test
    void steadyThroughputIsTheSlopeOfArrivals() {
        RunRecorder recorder = steadyRun(200);
        assertEquals(1000.0, recorder.throughput(0.1, 0.9), 1e-6);
    }

    @Test
    void steadyThroughputIgnoresBurstsAndASlowStart() {
        RunRecorder recorder = RunRecorder.start(id, 1000);
        // A slow first 100, then bursts of 10 documents every 10 ms: 1000 documents per second.
        for (int i = 0; i < 1000; i++) {
            long arrival = i < 100 ? 10_000_000L * i : 1_000_000_000L + 10_000_000L * (i / 10);
            recorder.emitted(i, 1);
            recorder.arrived(i, arrival);
        }
        assertEquals(1000.0, recorder.throughput(0.2, 0.9), 25.0);
    }

    @Test
    void latenciesLeaveOutTheFirstDocumentsAndTheLostOnes() {
        RunRecorder recorder = RunRecorder.start(id, 10);
        for (int i = 0; i < 10; i++) {
            recorder.emitted(i, 1_000_000L * i + 1);
            if (i != 7) {
                recorder.arrived(i, 1_000_000L * (2 * i) + 1);
            }
        }
        assertArrayEquals(new double[] {2, 3, 4, 5, 6, 8, 9}, recorder.latenciesMillis(0.2), 1e-9);
        assertEquals(9, recorder.arrivals());
    }

    @Test
    void percentileIsTheNearestRank() {
        double[] values = new double[100];
        for (int i = 0; i < 100; i++) {
            values[i] = 100 - i;
        }
        assertEquals(99.0, RunRecorder.percentile(values, 99));
        assertEquals(50.0, RunRecorder.percentile(values, 50));
        assertEquals(100.0, RunRecorder.percentile(values, 100));
        assertEquals(7.0, RunRecorder.percentile(new double[] {7}, 99));
    }

    @Test
    void aRunIdIsRecordedOnceAndUnknownOnesFailNamingThem() {
        RunRecorder.start(id, 1);
        assertThrows(IllegalStateException.class, () -> RunRecorder.start(id, 1));
        IllegalStateException unknown =
                assertThrows(IllegalStateException.class, () -> RunRecorder.of("no-such-run"));
        assertEquals(true, unknown.getMessage().contains("no-such-run"));
    }
}
