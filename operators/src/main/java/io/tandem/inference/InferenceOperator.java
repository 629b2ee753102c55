package io.tandem.inference;

import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MeterView;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;
import org.apache.flink.runtime.metrics.TimerGauge;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference operator: one ONNX session per subtask, bound to the GPU this subtask leased,
 * running only forward passes, one batch at a time. Outputs go back to the producer of the batch.
 *
 * <p>A batch that fails is split between its documents until the failing ones stand alone ({@link
 * IsolatingForward}): the output batch carries the others' outputs and names the failed ones, which
 * their producer turns into dead letters. A forward pass that runs past the time limit is
 * terminated and counts as failed; cancelling the task terminates the pass in progress, so a hung
 * native call never holds the task until Flink's watchdog kills the TaskManager. The model is
 * checked with one document in {@code open()}: a wrong model fails the job at start-up.
 */
public final class InferenceOperator<F extends Serializable>
        extends AbstractStreamOperator<OutputBatch>
        implements OneInputStreamOperator<TensorBatch, OutputBatch> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceOperator.class);

    /** Forward passes the latency histogram's percentiles are taken over. */
    private static final int LATENCY_WINDOW = 1000;

    private final ModelComponent<F> model;
    private final GpuAssigner gpus;
    private final Device device;
    private final int intraOpThreads;
    private final Duration forwardTimeout;
    private final Duration forwardRetryTimeout;

    private transient IsolatingForward forward;
    private transient int gpuIndex = GpuAssigner.NO_GPU;
    private transient String leaseOwner;
    private transient Counter batches;
    private transient Counter forwardNanos;
    private transient Counter bisectionForwards;
    private transient Counter failedDocuments;
    private transient TimerGauge forwardTime;
    private transient Counter documents;
    private transient Counter rows;
    private transient Counter tokens;
    private transient Counter paddedTokens;
    private transient Histogram forwardMillis;

    public InferenceOperator(
            ModelComponent<F> model,
            GpuAssigner gpus,
            Device device,
            int intraOpThreads,
            Duration forwardTimeout,
            Duration forwardRetryTimeout) {
        this.model = model;
        this.gpus = gpus;
        this.device = device;
        this.intraOpThreads = intraOpThreads;
        this.forwardTimeout = forwardTimeout;
        this.forwardRetryTimeout = forwardRetryTimeout;
    }

    @Override
    public void open() throws Exception {
        super.open();
        var task = getRuntimeContext().getTaskInfo();
        // One owner for subtask j of every model stage's inference: they share slot j, and its GPU.
        leaseOwner =
                "inference ("
                        + (task.getIndexOfThisSubtask() + 1)
                        + "/"
                        + task.getNumberOfParallelSubtasks()
                        + ")@"
                        + getRuntimeContext().getJobInfo().getJobId();
        gpuIndex =
                device == Device.CPU
                        ? GpuAssigner.NO_GPU
                        : gpus.assign(
                                getRuntimeContext()
                                        .getExternalResourceInfos(GpuAssigner.RESOURCE_NAME),
                                leaseOwner);
        Device effective =
                gpuIndex == GpuAssigner.NO_GPU && device == Device.AUTO ? Device.CPU : device;
        forward =
                new IsolatingForward(
                        model.openForward(new ForwardContext(effective, gpuIndex, intraOpThreads)),
                        model.name(),
                        forwardTimeout,
                        forwardRetryTimeout,
                        "tandem-forward-timer " + task.getTaskNameWithSubtasks(),
                        getContainingTask().getCancelables());
        forward.checkModel(model);
        LOG.info(
                "Inference subtask {} bound to {} (device {})",
                task.getIndexOfThisSubtask(),
                gpuIndex == GpuAssigner.NO_GPU ? "the CPU" : "GPU " + gpuIndex,
                effective);
        var metrics = getMetricGroup();
        batches = metrics.counter("tandemForwardBatches");
        forwardNanos = metrics.counter("tandemForwardNanos");
        bisectionForwards = metrics.counter("tandemForwardBisectionAttempts");
        failedDocuments = metrics.counter("tandemForwardFailedDocuments");
        metrics.gauge("tandemGpuIndex", () -> gpuIndex);
        // Measured as Flink measures a task's busy time, over the same windows, so the two agree
        // where the task does nothing but forward passes.
        forwardTime = metrics.gauge("tandemForwardTimeMsPerSecond", new TimerGauge());
        metrics.gauge("tandemInferenceBusyFraction", () -> forwardTime.getValue() / 1000.0);
        metrics.gauge("tandemInferenceIdleFraction", () -> 1.0 - forwardTime.getValue() / 1000.0);
        documents = metrics.counter("tandemForwardDocuments");
        rows = metrics.counter("tandemForwardRows");
        tokens = metrics.counter("tandemForwardTokens");
        paddedTokens = metrics.counter("tandemForwardPaddedTokens");
        metrics.meter("tandemForwardBatchesPerSecond", new MeterView(batches));
        metrics.meter("tandemForwardDocumentsPerSecond", new MeterView(documents));
        metrics.gauge("tandemForwardPaddingRatio", () -> ratio(paddedTokens, tokens));
        metrics.gauge("tandemForwardRowsPerBatch", () -> ratio(rows, batches));
        metrics.gauge("tandemForwardTokensPerBatch", () -> ratio(tokens, batches));
        forwardMillis =
                metrics.histogram(
                        "tandemForwardLatencyMs",
                        new DescriptiveStatisticsHistogram(LATENCY_WINDOW));
    }

    /** {@code numerator / denominator}, 0 before anything was counted. */
    private static double ratio(Counter numerator, Counter denominator) {
        long below = denominator.getCount();
        return below == 0 ? 0.0 : (double) numerator.getCount() / below;
    }

    @Override
    public void processElement(StreamRecord<TensorBatch> element) throws Exception {
        TensorBatch batch = element.getValue();
        long start = System.nanoTime();
        forwardTime.markStart();
        IsolatingForward.Forwarded result;
        try {
            result = forward.forward(batch.tensors(), batch.docRows());
        } finally {
            forwardTime.markEnd();
        }
        long took = System.nanoTime() - start;
        forwardNanos.inc(took);
        batches.inc();
        countBatch(batch, took);
        bisectionForwards.inc(result.extraForwards());
        failedDocuments.inc(result.failures().size());
        if (!result.failures().isEmpty()) {
            LOG.warn(
                    "Batch {} of producer {}: {} of {} documents failed their forward pass"
                            + " ({} extra forward passes to isolate them); first: {}: {}",
                    batch.seq(),
                    batch.producer(),
                    result.failures().size(),
                    batch.docRows().length,
                    result.extraForwards(),
                    result.failures().get(0).errorClass(),
                    result.failures().get(0).message());
        }
        output.collect(
                new StreamRecord<>(
                        new OutputBatch(
                                batch.producer(),
                                batch.seq(),
                                gpuIndex,
                                result.outputs(),
                                result.failures(),
                                result.extraForwards(),
                                result.allocationFailures())));
    }

    /** The batch's share of the throughput, shape and latency metrics. */
    private void countBatch(TensorBatch batch, long forwardNanos) {
        documents.inc(batch.docRows().length);
        forwardMillis.update(forwardNanos / 1_000_000);
        BatchStats stats = model.batchStats(batch.tensors());
        rows.inc(stats.rows());
        tokens.inc(stats.tokens());
        paddedTokens.inc(stats.paddedTokens());
    }

    @Override
    public void close() throws Exception {
        try {
            if (forward != null) {
                forward.close();
                forward = null;
            }
        } finally {
            GpuAssigner.release(gpuIndex, leaseOwner);
            gpuIndex = GpuAssigner.NO_GPU;
            try {
                model.close(); // opened by the start-up check
            } finally {
                super.close();
            }
        }
    }
}
