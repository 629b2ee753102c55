package io.tandem.job.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.measure.AutoscalerRule.VertexLoad;
import org.junit.jupiter.api.Test;

class AutoscalerRuleTest {
    private final AutoscalerRule rule = new AutoscalerRule(0.7);

    @Test
    void theTrueRateIsTheRecordsOverTheBusyTimePerSubtask() {
        // 50 records/s while busy half of each second, over 2 subtasks: 50 per subtask-second.
        assertEquals(50.0, new VertexLoad("v", 2, 50, 500).trueRatePerSubtask(), 1e-9);
    }

    @Test
    void aSaturatedVertexIsRaisedToCarryTheRequiredRateAtTheTargetUtilization() {
        VertexLoad saturated = new VertexLoad("batcher", 2, 50, 1000);
        // 25 records/s per subtask at 0.7: 17.5; 75 records/s needs ceil(4.29) = 5 subtasks.
        assertEquals(5, rule.targetParallelism(saturated, 75));
    }

    @Test
    void aMostlyIdleVertexIsNotRaisedForTheSameRate() {
        VertexLoad idle = new VertexLoad("join", 1, 50, 200);
        // 250 records/s per subtask at 0.7: 175; 75 records/s fits one.
        assertEquals(1, rule.targetParallelism(idle, 75));
    }

    @Test
    void aVertexNeverBusyNeedsOneSubtask() {
        assertEquals(1, rule.targetParallelism(new VertexLoad("sink", 4, 0, 0), 100));
    }

    @Test
    void badFiguresAreRefusedNamingTheVertexAndTheValues() {
        IllegalArgumentException busy =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new VertexLoad("inference ner", 1, 10, 1500));
        assertTrue(busy.getMessage().contains("inference ner"), busy.getMessage());
        assertTrue(busy.getMessage().contains("1500"), busy.getMessage());
        IllegalArgumentException parallelism =
                assertThrows(
                        IllegalArgumentException.class, () -> new VertexLoad("join", 0, 10, 10));
        assertTrue(parallelism.getMessage().contains("got 0"), parallelism.getMessage());
        IllegalArgumentException utilization =
                assertThrows(IllegalArgumentException.class, () -> new AutoscalerRule(1.5));
        assertTrue(utilization.getMessage().contains("1.5"), utilization.getMessage());
    }
}
