package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.inference.BatchStats;
import io.tandem.inference.Bisection;
import io.tandem.inference.IsolatingForward;
import io.tandem.inference.ModelComponent;
import io.tandem.records.OutputBatch;
import io.tandem.results.DeadLetter;
import io.tandem.results.DeadLetterCounters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.operators.ProcessingTimeService.ProcessingTimeCallback;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.metrics.Counter;
import org.apache.flink.runtime.state.StateInitializationContext;
import org.apache.flink.runtime.state.StateSnapshotContext;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.util.OutputTag;

/**
 * Preprocesses documents with the model component and collects them into chunks; a full chunk, the
 * maximum batch delay, a checkpoint barrier, the end of input or documents arriving too sparsely
 * for batching to pay ({@link SparseArrivals}) flushes the chunk: sorted by length, cut into
 * batches by the batch size expression, collated. What happens to a collated batch is the
 * subclass's: send it to an inference subtask, or run the forward pass here.
 *
 * <p>The chunk is flushed in {@code prepareSnapshotPreBarrier}, so a checkpoint never holds a
 * half-batched document: the only state is the circuit breaker's window.
 */
public abstract class AbstractBatcher<F extends Serializable, OUT>
        extends AbstractStreamOperator<OUT>
        implements OneInputStreamOperator<Doc, OUT>, ProcessingTimeCallback {
    private static final long serialVersionUID = 1L;

    /** Documents that failed preprocessing or collation. */
    public static final OutputTag<Result> DEAD_LETTERS = new OutputTag<>("dead-letters") {};

    protected final ModelComponent<F> model;
    protected final DocFinisher<F> finisher;
    private final BatchSize batchSize;
    private final int chunkSize;
    private final long maxDelayMillis;
    private final boolean sortChunks;

    private transient List<Pending<F>> chunk;
    private transient long nextArrival;
    private transient long nextBatchSeq;
    private transient long timerDeadline;
    private transient SparseArrivals arrivals;
    private transient boolean flushing;
    private transient Counter batches;
    private transient Counter docsIn;
    private transient Counter tokens;
    private transient Counter paddedTokens;
    private transient Counter collateBisectionAttempts;
    private transient DeadLetterCounters deadLetterCounters;
    private transient double costScale;
    private transient int batchesSinceShrink;

    /** Counts each document's model-stage outcome; fails the job when most fail. */
    protected transient CircuitBreaker breaker;

    private transient ListState<byte[]> breakerState;

    /** A preprocessed document waiting in the chunk, numbered in arrival order. */
    protected record Pending<F>(Doc doc, F features, long arrival) {}

    protected AbstractBatcher(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            boolean sortChunks) {
        if (chunkSize < 1) {
            throw new IllegalArgumentException("Chunk size must be >= 1, got " + chunkSize);
        }
        if (maxDelayMillis < 1) {
            throw new IllegalArgumentException(
                    "Maximum batch delay must be >= 1 ms, got " + maxDelayMillis);
        }
        this.finisher = finisher;
        this.model = finisher.model();
        this.batchSize = batchSize;
        this.chunkSize = chunkSize;
        this.maxDelayMillis = maxDelayMillis;
        this.sortChunks = sortChunks;
    }

    /** Releases what the model's preprocess loaded here (its native tokenizer). */
    @Override
    public void close() throws Exception {
        try {
            model.close();
        } finally {
            super.close();
        }
    }

    @Override
    public void initializeState(StateInitializationContext context) throws Exception {
        super.initializeState(context);
        breakerState = CircuitBreaker.state(context);
    }

    @Override
    public void open() throws Exception {
        super.open();
        // The vocabulary and labels load here: a bad file fails the job at start-up.
        model.open();
        chunk = new ArrayList<>();
        arrivals = new SparseArrivals(maxDelayMillis);
        costScale = 1;
        breaker = new CircuitBreaker(finisher.faultTolerance(), model.name());
        breaker.resumeFrom(breakerState);
        var metrics = getMetricGroup();
        collateBisectionAttempts = metrics.counter("tandemCollateBisectionAttempts");
        deadLetterCounters =
                new DeadLetterCounters(
                        metrics,
                        Stage.PREPROCESS,
                        Stage.COLLATE,
                        Stage.FORWARD,
                        Stage.POSTPROCESS,
                        Stage.COMPONENT);
        metrics.gauge("tandemBatchCostScale", () -> costScale);
        batches = metrics.counter("tandemBatches");
        docsIn = metrics.counter("tandemBatchedDocuments");
        tokens = metrics.counter("tandemBatchTokens");
        paddedTokens = metrics.counter("tandemBatchPaddedTokens");
        metrics.gauge(
                "tandemPaddingRatio",
                () ->
                        tokens.getCount() == 0
                                ? 0.0
                                : (double) paddedTokens.getCount() / tokens.getCount());
        metrics.gauge(
                "tandemDocumentsPerBatch",
                () ->
                        batches.getCount() == 0
                                ? 0.0
                                : (double) docsIn.getCount() / batches.getCount());
    }

    @Override
    public void processElement(StreamRecord<Doc> element) throws Exception {
        Doc doc = element.getValue();
        F features;
        try {
            features = model.preprocess(doc);
        } catch (RuntimeException e) {
            emitDeadLetter(
                    Result.deadLetter(
                            finisher.deadLetters()
                                    .of(doc, Stage.PREPROCESS, e)
                                    .inModel(
                                            model.name(),
                                            DeadLetter.NO_BATCH,
                                            DeadLetter.NO_DEVICE)));
            return;
        }
        chunk.add(new Pending<>(doc, features, nextArrival++));
        long now = getProcessingTimeService().getCurrentProcessingTime();
        boolean sparse = arrivals.arrive(now);
        if (chunk.size() >= chunkSize || sparse) {
            flush();
        } else if (chunk.size() == 1) {
            timerDeadline = now + maxDelayMillis;
            getProcessingTimeService().registerTimer(timerDeadline, this);
        }
    }

    @Override
    public void onProcessingTime(long time) throws Exception {
        // A timer of an already flushed chunk, or one that fires while a flush waits for the
        // previous
        // chunk's batches to leave the queue.
        if (time == timerDeadline && !flushing && !chunk.isEmpty()) {
            flush();
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        flush();
        completeEmission();
        // The checkpoint commits the dead letters emitted so far: judge them before it can.
        breaker.beforeCheckpoint();
    }

    @Override
    public void finish() throws Exception {
        flush();
        completeEmission();
        breaker.beforeCheckpoint();
        super.finish();
    }

    @Override
    public void snapshotState(StateSnapshotContext context) throws Exception {
        super.snapshotState(context);
        breaker.snapshotTo(breakerState);
    }

    private void flush() throws Exception {
        if (chunk.isEmpty() || flushing) {
            return;
        }
        flushing = true;
        try {
            beforeFlush();
            List<Pending<F>> flushed = chunk;
            chunk = new ArrayList<>();
            timerDeadline = -1;
            BatchSize size = currentBatchSize();
            for (List<Pending<F>> batch :
                    ChunkBatcher.batches(flushed, p -> p.doc().wordCount(), size, sortChunks)) {
                collate(batch);
            }
            afterFlush();
        } finally {
            flushing = false;
        }
    }

    /**
     * Collates {@code batch} and hands it on; documents that make collation fail are split off
     * until they stand alone, and become dead letters (the batch they were in never leaves, so they
     * name no batch).
     */
    private void collate(List<Pending<F>> batch) throws Exception {
        List<F> features = new ArrayList<>(batch.size());
        batch.forEach(p -> features.add(p.features()));
        Bisection.Outcome<TensorMap> outcome =
                Bisection.isolate(
                        batch.size(),
                        (from, to) -> model.collate(features.subList(from, to)),
                        error -> false);
        collateBisectionAttempts.inc(outcome.extraAttempts());
        for (OutputBatch.DocFailure failure : IsolatingForward.docFailures(outcome.failures())) {
            emitDeadLetter(
                    Result.deadLetter(
                            finisher.deadLetters()
                                    .of(
                                            batch.get(failure.doc()).doc(),
                                            Stage.COLLATE,
                                            failure.errorClass(),
                                            failure.message())
                                    .inModel(
                                            model.name(),
                                            DeadLetter.NO_BATCH,
                                            DeadLetter.NO_DEVICE)));
        }
        for (Bisection.Part<TensorMap> part : outcome.parts()) {
            List<Pending<F>> docs = batch.subList(part.from(), part.to());
            TensorMap tensors = part.value();
            BatchStats stats = model.batchStats(tensors);
            batches.inc();
            docsIn.inc(docs.size());
            tokens.inc(stats.tokens());
            paddedTokens.inc(stats.paddedTokens());
            emitBatch(
                    nextBatchSeq++,
                    new ArrayList<>(docs),
                    features.subList(part.from(), part.to()),
                    tensors);
        }
    }

    /**
     * A dead letter of the model stage, to the dead-letter output: counted, and judged by the
     * circuit breaker.
     */
    protected final void emitDeadLetter(Result deadLetter) {
        countResult(deadLetter);
        output.collect(DEAD_LETTERS, new StreamRecord<>(deadLetter));
    }

    /** Counts a model-stage outcome in the metrics and the circuit breaker. */
    protected final void countResult(Result result) {
        deadLetterCounters.count(result);
        breaker.record(result);
    }

    /** The batch size, made smaller while batches do not fit in memory. */
    private BatchSize currentBatchSize() {
        if (costScale >= 1) {
            return batchSize;
        }
        return new BatchSize(
                Math.max(1, (int) Math.floor(batchSize.limit() * costScale)), batchSize.unit());
    }

    /**
     * A batch did not fit in memory: halve the batch size (down to 1/64 of the configured one),
     * which grows back by doubling after every {@value #BATCHES_TO_GROW_BACK} batches that fit.
     */
    protected final void batchDidNotFit() {
        costScale = Math.max(costScale / 2, MIN_COST_SCALE);
        batchesSinceShrink = 0;
    }

    /** A batch fit in memory: after enough of them, a reduced batch size grows back. */
    protected final void batchFit() {
        if (costScale < 1 && ++batchesSinceShrink >= BATCHES_TO_GROW_BACK) {
            costScale = Math.min(1, costScale * 2);
            batchesSinceShrink = 0;
        }
    }

    private static final double MIN_COST_SCALE = 1.0 / 64;
    private static final int BATCHES_TO_GROW_BACK = 32;

    /** Handles one collated batch; {@code batch.get(i)} has features {@code features.get(i)}. */
    protected abstract void emitBatch(
            long seq, List<Pending<F>> batch, List<F> features, TensorMap tensors) throws Exception;

    /** Called at the start of every flush, before the chunk is cut into batches. */
    protected void beforeFlush() throws Exception {}

    /**
     * Called after every flush, once all of a chunk's batches were handed to {@link #emitBatch}.
     */
    protected void afterFlush() throws Exception {}

    /**
     * Called before a checkpoint barrier and at the end of input, after the last flush: a subclass
     * that holds batches back must send them now, as the operator has no state to keep them in.
     */
    protected void completeEmission() throws Exception {}
}
