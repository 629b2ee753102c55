package io.tandem.results;

import java.util.EnumMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/**
 * The dead-letter metrics of one operator: {@code tandemDeadLetters} counts them all, {@code
 * tandemDeadLetters<Stage>} (for example {@code tandemDeadLettersForward}) those of one stage.
 */
public final class DeadLetterCounters {
    private final Counter all;
    private final Map<Stage, Counter> byStage = new EnumMap<>(Stage.class);

    public DeadLetterCounters(MetricGroup metrics, Stage... stages) {
        all = metrics.counter("tandemDeadLetters");
        for (Stage stage : stages) {
            String label = stage.label();
            byStage.put(
                    stage,
                    metrics.counter(
                            "tandemDeadLetters"
                                    + Character.toUpperCase(label.charAt(0))
                                    + label.substring(1)));
        }
    }

    /** Counts {@code result} if it is a dead letter. */
    public void count(Result result) {
        if (result.isDeadLetter()) {
            all.inc();
            Counter stage = byStage.get(result.deadLetter().stage());
            if (stage != null) {
                stage.inc();
            }
        }
    }
}
