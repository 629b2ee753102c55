package io.tandem.batching;

import io.tandem.dispatch.PendingDocs;
import io.tandem.dispatch.TensorBatch;
import io.tandem.doc.Doc;
import io.tandem.inference.TensorMap;
import io.tandem.join.BatchCredits;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The batcher of the split graph: each collated batch's tensors go to an inference subtask (the
 * dispatch partitioner picks which), its documents and features to this subtask's postprocess join
 * over a forward edge. Before emitting a batch it takes a credit; with none left it yields to its
 * mailbox, as Flink's AsyncWaitOperator does, so a slow GPU backpressures the CPU task set instead
 * of letting documents pile up.
 */
public final class DispatchBatcher<F extends Serializable> extends AbstractBatcher<F, TensorBatch> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<PendingDocs> PENDING_DOCS = new OutputTag<>("pending-docs") {};

    private final int creditsPerProducer;
    private transient BatchCredits credits;
    private transient MailboxExecutor mailbox;
    private transient int producer;
    private transient int producers;

    public DispatchBatcher(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            int creditsPerProducer) {
        super(finisher, batchSize, chunkSize, maxDelayMillis, true);
        if (creditsPerProducer < 1) {
            throw new IllegalArgumentException(
                    "Batches in flight per producer must be >= 1, got " + creditsPerProducer);
        }
        this.creditsPerProducer = creditsPerProducer;
    }

    @Override
    public void open() throws Exception {
        super.open();
        var task = getRuntimeContext().getTaskInfo();
        producer = task.getIndexOfThisSubtask();
        producers = task.getNumberOfParallelSubtasks();
        credits =
                BatchCredits.join(
                        BatchCredits.key(
                                getRuntimeContext().getJobInfo().getJobId().toString(),
                                producer,
                                task.getAttemptNumber()),
                        creditsPerProducer);
        mailbox =
                getContainingTask()
                        .getMailboxExecutorFactory()
                        .createExecutor(getOperatorConfig().getChainIndex());
        credits.wakeOnRelease(mailbox);
        getMetricGroup().gauge("tandemBatchesInFlight", credits::inFlight);
    }

    @Override
    protected void emitBatch(long seq, List<Pending<F>> batch, List<F> features, TensorMap tensors)
            throws Exception {
        while (!credits.tryAcquire()) {
            mailbox.yield();
        }
        List<Doc> docs = new ArrayList<>(batch.size());
        long[] arrivals = new long[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            docs.add(batch.get(i).doc());
            arrivals[i] = batch.get(i).arrival();
        }
        output.collect(
                PENDING_DOCS,
                new StreamRecord<>(
                        new PendingDocs(
                                producer, seq, docs, arrivals, FeatureCodec.encode(features))));
        output.collect(new StreamRecord<>(new TensorBatch(producer, producers, seq, tensors)));
    }

    @Override
    public void close() throws Exception {
        try {
            if (credits != null) {
                credits.wakeOnRelease(null);
                credits.leave();
                credits = null;
            }
        } finally {
            super.close();
        }
    }
}
