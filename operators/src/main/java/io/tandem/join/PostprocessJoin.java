package io.tandem.join;

import io.tandem.batching.BatchCredits;
import io.tandem.batching.CircuitBreaker;
import io.tandem.batching.DocFinisher;
import io.tandem.batching.FeatureCodec;
import io.tandem.batching.StageOutput;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.PendingDocsHandle;
import io.tandem.results.DeadLetterCounters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.TwoInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.TimeUtils;

/**
 * Joins a producer's documents (input 1: the handle of each batch's documents, over a forward edge
 * from the batcher of the same subtask index, which handed the documents themselves over in this
 * JVM) with the outputs of their forward pass (input 2, returned by the inference operator) by
 * batch sequence number, postprocesses them and gives the batch's credit back. Either side may come
 * first. In deterministic mode documents leave in the order they reached the producer.
 *
 * <p>It always reads both inputs and never blocks. With aligned checkpoints every batch emitted
 * before a barrier is joined before this operator sees the barrier on both inputs, so at a snapshot
 * nothing waits here; the snapshot checks that invariant, and stores only the circuit breaker's
 * window.
 *
 * <p>In a pipeline of several model stages each stage has its own join: an earlier stage's hands
 * its documents to the next stage's batcher, chained behind it ({@link StageOutput}); only the last
 * stage's emits results.
 *
 * @param <OUT> {@link Result} for the last stage, {@link io.tandem.doc.Doc} for an earlier one
 */
public final class PostprocessJoin<F extends Serializable, OUT> extends AbstractStreamOperator<OUT>
        implements TwoInputStreamOperator<PendingDocsHandle, OutputBatch, OUT> {
    private static final long serialVersionUID = 1L;

    /**
     * The co-location group of every join and the head of every batcher's chain: subtask i of all
     * of them runs in one slot, so each stage's batcher and join can share the producer's credits.
     */
    public static final String PRODUCER_COLOCATION_GROUP = "tandem-producer";

    /**
     * How long the join waits at open for its batcher to register the producer's credits in this
     * JVM. Both open at about the same time in one slot; the wait only runs out when the batcher is
     * in another TaskManager.
     */
    static final Duration BATCHER_WAIT = Duration.ofMinutes(2);

    private final DocFinisher<F> finisher;
    private final int creditsPerProducer;
    private final boolean deterministic;
    private final Duration batcherWait;
    private final int stage;
    private final StageOutput<OUT> stageOutput;

    private transient Map<Long, PendingDocs> docsBySeq;
    private transient Map<Long, OutputBatch> outputsBySeq;
    private transient TreeMap<Long, Result> ready;
    private transient long nextArrival;
    private transient long docsAwaiting;
    private transient long docsAwaitingMax;
    private transient BatchCredits credits;
    private transient int producer;
    private transient CircuitBreaker breaker;
    private transient ListState<byte[]> breakerState;
    private transient DeadLetterCounters deadLetterCounters;

    /** The join of a pipeline's only model stage: it emits results. */
    public static <F extends Serializable> PostprocessJoin<F, Result> of(
            DocFinisher<F> finisher, int creditsPerProducer, boolean deterministic) {
        return new PostprocessJoin<>(
                finisher,
                creditsPerProducer,
                deterministic,
                BATCHER_WAIT,
                0,
                StageOutput.results());
    }

    /**
     * @param stage the model stage this join finishes (0 for the first): its credits are the
     *     stage's own
     * @param stageOutput where its finished documents go: the results or the next stage
     */
    public PostprocessJoin(
            DocFinisher<F> finisher,
            int creditsPerProducer,
            boolean deterministic,
            int stage,
            StageOutput<OUT> stageOutput) {
        this(finisher, creditsPerProducer, deterministic, BATCHER_WAIT, stage, stageOutput);
    }

    PostprocessJoin(
            DocFinisher<F> finisher,
            int creditsPerProducer,
            boolean deterministic,
            Duration batcherWait,
            int stage,
            StageOutput<OUT> stageOutput) {
        this.finisher = finisher;
        this.creditsPerProducer = creditsPerProducer;
        this.deterministic = deterministic;
        this.batcherWait = batcherWait;
        this.stage = stage;
        this.stageOutput = stageOutput;
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        breakerState = CircuitBreaker.state(context);
    }

    @Override
    public void open() throws Exception {
        super.open();
        finisher.open(getMetricGroup());
        breaker = new CircuitBreaker(finisher.faultTolerance(), finisher.model().name());
        breaker.resumeFrom(breakerState);
        deadLetterCounters =
                new DeadLetterCounters(
                        getMetricGroup(), Stage.FORWARD, Stage.POSTPROCESS, Stage.COMPONENT);
        docsBySeq = new HashMap<>();
        outputsBySeq = new HashMap<>();
        ready = new TreeMap<>();
        var task = getRuntimeContext().getTaskInfo();
        producer = task.getIndexOfThisSubtask();
        credits = creditsOfThisJvmsBatcher();
        getMetricGroup().gauge("tandemDocumentsAwaitingOutputs", () -> docsAwaiting);
        getMetricGroup().gauge("tandemDocumentsAwaitingOutputsMax", () -> docsAwaitingMax);
    }

    /**
     * The producer's credits, shared with the batcher of the same subtask index, which must run in
     * this JVM: credits given back anywhere else would never reach it, and it would stall.
     */
    private BatchCredits creditsOfThisJvmsBatcher() throws InterruptedException {
        try {
            return BatchCredits.forJoin(
                    getRuntimeContext(), stage, creditsPerProducer, batcherWait);
        } catch (TimeoutException e) {
            var task = getRuntimeContext().getTaskInfo();
            String subtask =
                    (task.getIndexOfThisSubtask() + 1)
                            + "/"
                            + task.getNumberOfParallelSubtasks()
                            + ", attempt "
                            + task.getAttemptNumber();
            throw new IllegalStateException(
                    "Postprocess join of model '"
                            + finisher.model().name()
                            + "', subtask "
                            + subtask
                            + ", found no batcher subtask "
                            + subtask
                            + " in its JVM ("
                            + ManagementFactory.getRuntimeMXBean().getName()
                            + ") after "
                            + TimeUtils.formatWithHighestUnit(batcherWait)
                            + ": the batcher and the join of one producer share its batch"
                            + " credits in memory and must run in the same TaskManager (co-location"
                            + " group '"
                            + PRODUCER_COLOCATION_GROUP
                            + "' on the head of the batcher's chain and on the join)",
                    e);
        }
    }

    @Override
    public void processElement1(StreamRecord<PendingDocsHandle> element) throws Exception {
        PendingDocsHandle handle = element.getValue();
        checkProducer(handle.producer(), "documents of batch " + handle.seq());
        PendingDocs pending = credits.takeHandedOver(handle.seq());
        docsBySeq.put(pending.seq(), pending);
        docsAwaiting += pending.docs().size();
        docsAwaitingMax = Math.max(docsAwaitingMax, docsAwaiting);
        tryJoin(pending.seq());
    }

    @Override
    public void processElement2(StreamRecord<OutputBatch> element) throws Exception {
        OutputBatch outputs = element.getValue();
        checkProducer(outputs.producer(), "outputs of batch " + outputs.seq());
        outputsBySeq.put(outputs.seq(), outputs);
        tryJoin(outputs.seq());
    }

    private void checkProducer(int from, String what) {
        if (from != producer) {
            throw new IllegalStateException(
                    "Join subtask "
                            + producer
                            + " received the "
                            + what
                            + " of producer "
                            + from
                            + ": the return edge must partition by producer");
        }
    }

    private void tryJoin(long seq) {
        PendingDocs pending = docsBySeq.get(seq);
        OutputBatch outputs = outputsBySeq.get(seq);
        if (pending == null || outputs == null) {
            return;
        }
        docsBySeq.remove(seq);
        outputsBySeq.remove(seq);
        docsAwaiting -= pending.docs().size();
        List<F> features = FeatureCodec.decode(pending.features(), getUserCodeClassloader());
        List<Result> results =
                finisher.finish(
                        pending.docs(),
                        features,
                        outputs.outputs(),
                        outputs.failures(),
                        seq,
                        outputs.device());
        credits.reportAllocationFailures(outputs.allocationFailures());
        credits.release(seq);
        for (int i = 0; i < results.size(); i++) {
            deadLetterCounters.count(results.get(i));
            breaker.record(results.get(i));
            if (deterministic) {
                ready.put(pending.arrivals()[i], results.get(i));
            } else {
                stageOutput.emit(results.get(i), output);
            }
        }
        while (!ready.isEmpty() && ready.firstKey() == nextArrival) {
            stageOutput.emit(ready.pollFirstEntry().getValue(), output);
            nextArrival++;
        }
    }

    /** The checkpoint commits the dead letters emitted so far: the breaker judges them first. */
    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        breaker.beforeCheckpoint();
    }

    @Override
    public void finish() throws Exception {
        breaker.beforeCheckpoint();
        super.finish();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        if (!docsBySeq.isEmpty() || !outputsBySeq.isEmpty() || !ready.isEmpty()) {
            throw new IllegalStateException(
                    "Postprocess join of model '"
                            + finisher.model().name()
                            + "', producer "
                            + producer
                            + " still holds batches "
                            + docsBySeq.keySet()
                            + " / outputs "
                            + outputsBySeq.keySet()
                            + " at a checkpoint: checkpoints must be aligned (unaligned checkpoints are not supported)");
        }
        breaker.snapshotTo(breakerState);
    }

    @Override
    public void close() throws Exception {
        try {
            if (credits != null) {
                credits.leave(BatchCredits.Side.JOIN);
                credits = null;
            }
        } finally {
            try {
                finisher.close();
            } finally {
                super.close();
            }
        }
    }
}
