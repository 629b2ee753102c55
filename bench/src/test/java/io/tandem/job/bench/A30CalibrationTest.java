package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class A30CalibrationTest {
    @Test
    void atTheTablesBatchesOf128PiecesItGivesTheTablesLatencies() {
        assertEquals(0.89, A30Calibration.millis(1, 128), 1e-9);
        assertEquals(2.50, A30Calibration.millis(8, 128), 1e-9);
        assertEquals(33.58, A30Calibration.millis(128, 128), 1e-9);
    }

    @Test
    void betweenTwoBatchesItInterpolatesLinearly() {
        assertEquals((4.44 + 8.63) / 2, A30Calibration.millis(24, 128), 1e-9);
    }

    @Test
    void shorterWindowsCountAsAFractionOfASequence() {
        // 16 windows of 64 pieces are 8 sequences of 128.
        assertEquals(2.50, A30Calibration.millis(16, 64), 1e-9);
    }

    @Test
    void aCallNeverCostsLessThanOneSequence() {
        assertEquals(0.89, A30Calibration.millis(1, 16), 1e-9);
        assertEquals(0.89, A30Calibration.millis(0), 1e-9);
    }

    @Test
    void beyond128SequencesTheLastSegmentIsExtended() {
        double perSequence = (33.58 - 17.17) / 64;
        assertEquals(33.58 + 128 * perSequence, A30Calibration.millis(256, 128), 1e-9);
    }

    @Test
    void batchingIsCheaperPerSequenceUpToTheSaturatedGpu() {
        double one = A30Calibration.millis(1);
        double perSequenceAt64 = A30Calibration.millis(64) / 64;
        assertTrue(perSequenceAt64 < one / 3, perSequenceAt64 + " ms per sequence at 64");
        assertEquals(2_500_000, A30Calibration.INSTANCE.nanos(8, 128));
    }

    @Test
    void aNegativeSizeIsRefusedNamingIt() {
        IllegalArgumentException error =
                assertThrows(IllegalArgumentException.class, () -> A30Calibration.millis(-2.0));
        assertTrue(error.getMessage().contains("-2.0"), error.getMessage());
    }
}
