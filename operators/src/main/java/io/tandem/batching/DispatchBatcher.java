package io.tandem.batching;

import io.tandem.dispatch.DispatchSchedule;
import io.tandem.doc.Doc;
import io.tandem.records.PendingDocs;
import io.tandem.records.PendingDocsHandle;
import io.tandem.records.TensorBatch;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.flink.api.common.operators.MailboxExecutor;
import org.apache.flink.runtime.metrics.TimerGauge;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * The batcher of the split graph: each collated batch's tensors go to an inference subtask (the
 * dispatch partitioner picks which), its documents and features to this subtask's postprocess join,
 * which runs in the same JVM: they are handed over through the producer's {@link BatchCredits}
 * entry, and only their {@link PendingDocsHandle} crosses the forward edge to the join, after them.
 *
 * <p>Emitting a batch takes a credit. A flushed chunk's batches wait in a queue and leave one per
 * credit, each returned credit sending the next from a mail, while the subtask goes on
 * preprocessing the next chunk: the accelerator is fed between flushes, not in a burst at each one
 * followed by a gap. The queue holds at most one chunk: a flush that finds it not yet empty yields
 * to the mailbox until it is, as Flink's AsyncWaitOperator does when full, so a slow GPU
 * backpressures the CPU task set instead of letting documents pile up. Queued batches are all sent
 * before a checkpoint barrier and at the end of input, so the operator keeps no state.
 *
 * <p>The wait for a credit is backpressure from the inference subtasks, and the task reports it as
 * such: Flink counts a task busy unless its mailbox waits for input (idle) or for room downstream
 * (backpressured), so a yield in {@code processElement} would read as busy, and a slow GPU would
 * make the CPU task set look saturated to the dashboard and to Flink's autoscaler. The batcher runs
 * the task's own soft-backpressure timer while it waits, paused while a returned credit's mail
 * sends the next batch.
 *
 * <p>Metrics: {@code tandemBatchesInFlight} for the producer, and per link (group {@code link} =
 * the inference subtask's index, one for each subtask the dispatch schedule sends this producer's
 * batches to) the same count for that link alone.
 */
public final class DispatchBatcher<F extends Serializable> extends AbstractBatcher<F, TensorBatch> {
    private static final long serialVersionUID = 1L;

    /** The handles of the documents handed over to the join, one per batch. */
    public static final OutputTag<PendingDocsHandle> PENDING_DOCS =
            new OutputTag<>("pending-docs") {};

    private final int creditsPerProducer;
    private final int consumers;
    private final int stage;
    private transient BatchCredits credits;
    private transient DispatchSchedule schedule;
    private transient MailboxExecutor mailbox;
    private transient int producer;
    private transient int producers;
    private transient ArrayDeque<Ready> ready;
    private transient long nextSentArrival;
    private transient TimerGauge backpressured;
    private transient int awaitingCredit;

    /** A batch waiting for a credit: the records it will send. */
    private record Ready(PendingDocs docs, TensorBatch tensors) {}

    /**
     * @param stage the model stage this batcher feeds (0 for the first): its credits are the
     *     stage's own
     */
    public DispatchBatcher(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            int creditsPerProducer,
            int consumers,
            int stage) {
        super(finisher, batchSize, chunkSize, maxDelayMillis, true);
        if (creditsPerProducer < 1) {
            throw new IllegalArgumentException(
                    "Batches in flight per producer must be >= 1, got " + creditsPerProducer);
        }
        if (consumers < 1) {
            throw new IllegalArgumentException(
                    "The batcher needs at least 1 inference subtask to send to, got " + consumers);
        }
        this.creditsPerProducer = creditsPerProducer;
        this.consumers = consumers;
        this.stage = stage;
    }

    @Override
    public void open() throws Exception {
        super.open();
        var task = getRuntimeContext().getTaskInfo();
        producer = task.getIndexOfThisSubtask();
        producers = task.getNumberOfParallelSubtasks();
        credits = BatchCredits.forBatcher(getRuntimeContext(), stage, creditsPerProducer);
        mailbox =
                getContainingTask()
                        .getMailboxExecutorFactory()
                        .createExecutor(getOperatorConfig().getChainIndex());
        ready = new ArrayDeque<>();
        backpressured =
                getContainingTask()
                        .getEnvironment()
                        .getMetricGroup()
                        .getIOMetricGroup()
                        .getSoftBackPressuredTimePerSecond();
        credits.onRelease(mailbox, this::emitReady);
        getMetricGroup().gauge("tandemBatchesInFlight", credits::inFlight);
        // The partitioner picks each batch's link by the same schedule, for the same (P, C).
        schedule = DispatchSchedule.of(producers, consumers);
        BatchCredits shared = credits;
        Arrays.stream(schedule.periodOf(producer))
                .distinct()
                .sorted()
                .forEach(
                        link ->
                                getMetricGroup()
                                        .addGroup("link", String.valueOf(link))
                                        .gauge(
                                                "tandemBatchesInFlight",
                                                () -> shared.inFlightOn(link)));
        getMetricGroup().gauge("tandemBatchesAwaitingCredit", () -> ready.size());
    }

    @Override
    protected void beforeFlush() throws Exception {
        sendAllReady();
        if (credits.takeAllocationFailures() > 0) {
            batchDidNotFit();
        } else {
            batchFit();
        }
    }

    @Override
    protected void emitBatch(long seq, List<Pending<F>> batch, List<F> features, TensorMap tensors)
            throws Exception {
        List<Doc> docs = new ArrayList<>(batch.size());
        long[] arrivals = new long[batch.size()];
        int[] docRows = new int[batch.size()];
        for (int i = 0; i < batch.size(); i++) {
            docs.add(batch.get(i).doc());
            arrivals[i] = batch.get(i).arrival();
            docRows[i] = model.rowsOf(features.get(i));
            // Its model stage goes on at the inference subtask and the join, which judge it there.
            breaker.recordSuccess();
        }
        ready.add(
                new Ready(
                        new PendingDocs(
                                producer, seq, docs, arrivals, FeatureCodec.encode(features)),
                        new TensorBatch(producer, producers, seq, tensors, docRows)));
    }

    @Override
    protected void afterFlush() {
        numberSentArrivals();
        emitReady();
    }

    /**
     * Numbers the flushed chunk's documents in arrival order, consecutively from the last chunk's:
     * the documents of a batch that failed to collate went to the dead letters, and a deterministic
     * join, which emits arrival n only after arrival n - 1, would wait for their numbers for good.
     * The queue holds only this chunk's batches: the flush began by sending all.
     */
    private void numberSentArrivals() {
        long[] arrivals =
                ready.stream()
                        .flatMapToLong(r -> Arrays.stream(r.docs().arrivals()))
                        .sorted()
                        .toArray();
        for (Ready r : ready) {
            long[] batch = r.docs().arrivals(); // made in emitBatch, not sent yet
            for (int i = 0; i < batch.length; i++) {
                batch[i] = nextSentArrival + Arrays.binarySearch(arrivals, batch[i]);
            }
        }
        nextSentArrival += arrivals.length;
    }

    @Override
    protected void completeEmission() throws Exception {
        sendAllReady();
    }

    /** Sends queued batches, in order, while credits last. Runs in the task thread only. */
    private void emitReady() {
        if (credits == null) {
            return; // a credit came back after close()
        }
        if (ready.isEmpty() || credits.available() == 0) {
            return;
        }
        // Sending is work, not backpressure; a blocked network buffer starts Flink's own timer.
        if (awaitingCredit > 0) {
            backpressured.markEnd();
        }
        try {
            while (!ready.isEmpty() && credits.tryAcquire()) {
                Ready next = ready.poll();
                long seq = next.tensors().seq();
                credits.sent(seq, schedule.consumerFor(producer, seq));
                // Handed over before the handle leaves: the join finds them when the handle
                // arrives.
                credits.handOver(next.docs());
                output.collect(PENDING_DOCS, new StreamRecord<>(PendingDocsHandle.of(next.docs())));
                output.collect(new StreamRecord<>(next.tensors()));
            }
        } finally {
            if (awaitingCredit > 0) {
                backpressured.markStart();
            }
        }
    }

    /**
     * Returns once every queued batch is sent; returned credits wake the mailbox. The wait counts
     * as backpressure (a checkpoint's flush may nest in it, from a mail: the outer wait owns the
     * timer).
     */
    private void sendAllReady() throws Exception {
        emitReady();
        if (ready.isEmpty()) {
            return;
        }
        if (awaitingCredit++ == 0) {
            backpressured.markStart();
        }
        try {
            while (!ready.isEmpty()) {
                mailbox.yield();
                emitReady();
            }
        } finally {
            if (--awaitingCredit == 0) {
                backpressured.markEnd();
            }
        }
    }

    @Override
    public void close() throws Exception {
        try {
            if (credits != null) {
                credits.onRelease(null, null);
                credits.leave(BatchCredits.Side.BATCHER);
                credits = null;
            }
        } finally {
            super.close();
        }
    }
}
