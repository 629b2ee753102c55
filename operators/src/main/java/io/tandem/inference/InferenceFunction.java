package io.tandem.inference;

import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import java.io.Serializable;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The inference operator: one ONNX session per subtask, bound to the GPU this subtask leased,
 * running only forward passes, one batch at a time. Outputs go back to the producer of the batch. A
 * forward pass that throws becomes a failed output batch, so its documents reach the dead-letter
 * output instead of restarting the job.
 */
public final class InferenceFunction<F extends Serializable>
        extends ProcessFunction<TensorBatch, OutputBatch> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(InferenceFunction.class);

    private final ModelComponent<F> model;
    private final GpuAssigner gpus;
    private final Device device;
    private final int intraOpThreads;

    private transient ForwardRunner runner;
    private transient int gpuIndex;
    private transient String leaseOwner;
    private transient Counter batches;
    private transient Counter forwardNanos;
    private transient long openedNanos;
    private transient long busyNanos;

    public InferenceFunction(
            ModelComponent<F> model, GpuAssigner gpus, Device device, int intraOpThreads) {
        this.model = model;
        this.gpus = gpus;
        this.device = device;
        this.intraOpThreads = intraOpThreads;
    }

    @Override
    public void open(OpenContext openContext) throws Exception {
        var task = getRuntimeContext().getTaskInfo();
        leaseOwner =
                task.getTaskNameWithSubtasks() + "@" + getRuntimeContext().getJobInfo().getJobId();
        gpuIndex =
                device == Device.CPU
                        ? GpuAssigner.NO_GPU
                        : gpus.assign(
                                getRuntimeContext()
                                        .getExternalResourceInfos(GpuAssigner.RESOURCE_NAME),
                                leaseOwner);
        Device effective =
                gpuIndex == GpuAssigner.NO_GPU && device == Device.AUTO ? Device.CPU : device;
        runner = model.openForward(new ForwardContext(effective, gpuIndex, intraOpThreads));
        LOG.info(
                "Inference subtask {} bound to {} (device {})",
                task.getIndexOfThisSubtask(),
                gpuIndex == GpuAssigner.NO_GPU ? "the CPU" : "GPU " + gpuIndex,
                effective);
        var metrics = getRuntimeContext().getMetricGroup();
        batches = metrics.counter("tandemForwardBatches");
        forwardNanos = metrics.counter("tandemForwardNanos");
        metrics.gauge("tandemGpuIndex", () -> gpuIndex);
        metrics.gauge("tandemInferenceIdleFraction", this::idleFraction);
        openedNanos = System.nanoTime();
    }

    private double idleFraction() {
        long elapsed = System.nanoTime() - openedNanos;
        return elapsed <= 0 ? 1.0 : Math.max(0.0, 1.0 - (double) busyNanos / elapsed);
    }

    @Override
    public void processElement(TensorBatch batch, Context ctx, Collector<OutputBatch> out) {
        long start = System.nanoTime();
        OutputBatch result;
        try {
            result =
                    new OutputBatch(
                            batch.producer(),
                            batch.seq(),
                            gpuIndex,
                            runner.forward(batch.tensors()),
                            null);
        } catch (Exception e) {
            LOG.warn(
                    "Forward pass of batch {} of producer {} failed; its documents become dead letters",
                    batch.seq(),
                    batch.producer(),
                    e);
            result = OutputBatch.failed(batch.producer(), batch.seq(), gpuIndex, e);
        }
        long took = System.nanoTime() - start;
        busyNanos += took;
        forwardNanos.inc(took);
        batches.inc();
        out.collect(result);
    }

    @Override
    public void close() throws Exception {
        try {
            if (runner != null) {
                runner.close();
                runner = null;
            }
        } finally {
            GpuAssigner.release(gpuIndex, leaseOwner);
            gpuIndex = GpuAssigner.NO_GPU;
        }
    }
}
