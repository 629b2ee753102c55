package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.results.Result;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Without inference subtasks (no GPU, or zero GPU workers) the CPU subtask runs the forward pass
 * itself, then postprocesses in place: the graph has no partitioner and no join. In deterministic
 * mode a chunk's documents leave in arrival order, whatever order batching sorted them in.
 */
public final class LocalModelOperator<F extends Serializable> extends AbstractBatcher<F, Result> {
    private static final long serialVersionUID = 1L;

    private final ForwardContext forwardContext;
    private final boolean deterministic;
    private transient ForwardRunner runner;
    private transient List<Ordered> finished;

    private record Ordered(long arrival, Result result) {}

    public LocalModelOperator(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            ForwardContext forwardContext,
            boolean deterministic) {
        super(finisher, batchSize, chunkSize, maxDelayMillis, true);
        this.forwardContext = forwardContext;
        this.deterministic = deterministic;
    }

    @Override
    public void open() throws Exception {
        super.open();
        finisher.open();
        finished = new ArrayList<>();
        runner = model.openForward(forwardContext);
    }

    @Override
    protected void emitBatch(
            long seq, List<Pending<F>> batch, List<F> features, TensorMap tensors) {
        TensorMap outputs = null;
        String error = null;
        try {
            outputs = runner.forward(tensors);
        } catch (Exception e) {
            error = e.getClass().getName() + ": " + e.getMessage();
        }
        List<Doc> docs = new ArrayList<>(batch.size());
        batch.forEach(p -> docs.add(p.doc()));
        List<Result> results =
                finisher.finish(docs, features, outputs, error, seq, forwardContext.gpuIndex());
        for (int i = 0; i < results.size(); i++) {
            if (deterministic) {
                finished.add(new Ordered(batch.get(i).arrival(), results.get(i)));
            } else {
                output.collect(new StreamRecord<>(results.get(i)));
            }
        }
    }

    @Override
    protected void afterFlush() {
        finished.sort(Comparator.comparingLong(Ordered::arrival));
        finished.forEach(o -> output.collect(new StreamRecord<>(o.result())));
        finished.clear();
    }

    @Override
    public void close() throws Exception {
        try {
            if (runner != null) {
                runner.close();
                runner = null;
            }
        } finally {
            super.close();
        }
    }
}
