package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.HashSet;
import java.util.Set;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.junit.jupiter.api.Test;

class AlternativesTest {
    @Test
    void theCountWindowsKeysLandOnDistinctSubtasks() {
        for (int parallelism = 1; parallelism <= 8; parallelism++) {
            int[] keys = Alternatives.keysSpreadOver(parallelism);
            int maxParallelism = KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
            Set<Integer> subtasks = new HashSet<>();
            for (int key : keys) {
                subtasks.add(
                        KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                key, maxParallelism, parallelism));
            }
            assertEquals(parallelism, subtasks.size(), "parallelism " + parallelism);
        }
    }
}
