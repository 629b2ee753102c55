package io.tandem.job.bench;

import io.tandem.doc.Doc;
import io.tandem.pipeline.components.PipelineComponent;

/**
 * A CPU-side stand-in for the scale simulation: it parks its subtask's thread for a fixed time per
 * document (using no core), so that 32 CPU subtasks behave on 2 cores as 32 cores doing that much
 * work per document would; what the cores really do is then Tandem's own work.
 */
final class ParkPerDocument implements PipelineComponent {
    private static final long serialVersionUID = 1L;

    private final long nanos;

    ParkPerDocument(long nanos) {
        if (nanos < 0) {
            throw new IllegalArgumentException("nanos must be >= 0, got " + nanos);
        }
        this.nanos = nanos;
    }

    @Override
    public String name() {
        return "park";
    }

    @Override
    public void process(Doc doc) {
        StandInModel.Runner.waitFor(nanos);
    }
}
