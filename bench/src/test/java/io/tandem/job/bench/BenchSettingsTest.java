package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSettingsTest {

    @Test
    void theQuickAndFullRunsMeasureEnoughRoundsThatOneSlowRoundCannotMoveAMedian() {
        for (BenchSettings settings : List.of(BenchSettings.quick(), BenchSettings.full())) {
            assertTrue(settings.repeats() >= 3, settings.toString());
            assertEquals(1, settings.repeats() % 2, "an odd count: the median is a round's own");
        }
    }

    @Test
    void theQuickRunsWithTheStandInsLastAsLongAsTheFullRuns() {
        assertEquals(BenchSettings.full().fastRunSeconds(), BenchSettings.quick().fastRunSeconds());
    }

    @Test
    void oneSlowRoundDoesNotMoveTheMedianOfThree() {
        assertEquals(1.57, Bench.median(List.of(1.57, 0.99, 1.62)));
    }
}
