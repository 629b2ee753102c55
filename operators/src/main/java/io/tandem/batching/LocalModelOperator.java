package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.inference.Device;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.GpuAssigner;
import io.tandem.inference.IsolatingForward;
import io.tandem.results.Result;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.metrics.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Without inference subtasks (no GPU, or zero GPU workers) the CPU subtask runs the forward pass
 * itself, then postprocesses in place: the graph has no partitioner and no join. In deterministic
 * mode a chunk's documents leave in arrival order, whatever order batching sorted them in.
 *
 * <p>A pipeline of several model stages chains one such operator per stage: each but the last hands
 * its documents to the next ({@link StageOutput}).
 *
 * @param <OUT> {@link Result} for the last stage, {@link Doc} for an earlier one
 */
public final class LocalModelOperator<F extends Serializable, OUT> extends AbstractBatcher<F, OUT> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(LocalModelOperator.class);

    private final ForwardContext forwardContext;
    private final Device device;
    private final GpuAssigner gpus;
    private final boolean deterministic;
    private final StageOutput<OUT> stageOutput;
    private transient IsolatingForward forward;
    private transient Counter bisectionForwards;
    private transient List<Ordered> finished;
    private transient int gpuIndex = GpuAssigner.NO_GPU;
    private transient String leaseOwner;

    private record Ordered(long arrival, Result result) {}

    /** Runs forward passes as {@code forwardContext} says. */
    public LocalModelOperator(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            ForwardContext forwardContext,
            boolean deterministic,
            StageOutput<OUT> stageOutput) {
        super(finisher, batchSize, chunkSize, maxDelayMillis, true);
        this.forwardContext = forwardContext;
        this.device = forwardContext.device();
        this.gpus = null;
        this.deterministic = deterministic;
        this.stageOutput = stageOutput;
    }

    /**
     * Each subtask takes a share of a GPU from {@code gpus} (round-robin across the GPUs of its
     * TaskManager, across jobs) unless {@code device} is the CPU.
     */
    public LocalModelOperator(
            DocFinisher<F> finisher,
            BatchSize batchSize,
            int chunkSize,
            long maxDelayMillis,
            Device device,
            int intraOpThreads,
            GpuAssigner gpus,
            boolean deterministic,
            StageOutput<OUT> stageOutput) {
        super(finisher, batchSize, chunkSize, maxDelayMillis, true);
        this.forwardContext = ForwardContext.cpu(intraOpThreads);
        this.device = device;
        this.gpus = gpus;
        this.deterministic = deterministic;
        this.stageOutput = stageOutput;
    }

    @Override
    public void open() throws Exception {
        super.open();
        finisher.open(getMetricGroup());
        finished = new ArrayList<>();
        forward =
                new IsolatingForward(
                        model.openForward(leaseDevice()),
                        model.name(),
                        finisher.faultTolerance().forwardTimeout(),
                        finisher.faultTolerance().forwardRetryTimeout(),
                        "tandem-forward-timer "
                                + getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks(),
                        getContainingTask().getCancelables());
        forward.checkModel(model);
        bisectionForwards = getMetricGroup().counter("tandemForwardBisectionAttempts");
    }

    /** The context with the GPU this subtask shares, or the CPU when there is none. */
    private ForwardContext leaseDevice() {
        if (gpus == null) {
            return forwardContext;
        }
        if (device == Device.CPU) {
            return forwardContext;
        }
        leaseOwner =
                getRuntimeContext().getTaskInfo().getTaskNameWithSubtasks()
                        + "@"
                        + getRuntimeContext().getJobInfo().getJobId();
        gpuIndex =
                gpus.share(
                        getRuntimeContext().getExternalResourceInfos(GpuAssigner.RESOURCE_NAME),
                        leaseOwner);
        if (gpuIndex == GpuAssigner.NO_GPU && device == Device.CUDA) {
            throw new IllegalStateException(
                    "Device CUDA for "
                            + leaseOwner
                            + ", but no GPU is declared (external resource '"
                            + GpuAssigner.RESOURCE_NAME
                            + "') or configured (--gpu-devices); expected at least one");
        }
        LOG.info(
                "{} runs the model in place on {}",
                leaseOwner,
                gpuIndex == GpuAssigner.NO_GPU ? "the CPU" : "a share of GPU " + gpuIndex);
        return new ForwardContext(
                gpuIndex == GpuAssigner.NO_GPU ? Device.CPU : device,
                gpuIndex,
                forwardContext.intraOpThreads());
    }

    @Override
    protected void emitBatch(long seq, List<Pending<F>> batch, List<F> features, TensorMap tensors)
            throws Exception {
        int[] docRows = new int[features.size()];
        for (int i = 0; i < docRows.length; i++) {
            docRows[i] = model.rowsOf(features.get(i));
        }
        IsolatingForward.Forwarded forwarded = forward.forward(tensors, docRows);
        bisectionForwards.inc(forwarded.extraForwards());
        if (forwarded.allocationFailures() > 0) {
            batchDidNotFit();
        } else {
            batchFit();
        }
        List<Doc> docs = new ArrayList<>(batch.size());
        batch.forEach(p -> docs.add(p.doc()));
        List<Result> results =
                finisher.finish(
                        docs, features, forwarded.outputs(), forwarded.failures(), seq, gpuIndex);
        for (int i = 0; i < results.size(); i++) {
            countResult(results.get(i));
            if (deterministic) {
                finished.add(new Ordered(batch.get(i).arrival(), results.get(i)));
            } else {
                stageOutput.emit(results.get(i), output);
            }
        }
    }

    @Override
    protected void afterFlush() {
        finished.sort(Comparator.comparingLong(Ordered::arrival));
        finished.forEach(o -> stageOutput.emit(o.result(), output));
        finished.clear();
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
            super.close();
        }
    }
}
