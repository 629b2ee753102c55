package io.tandem.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.nio.LongBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One ONNX Runtime session and its options, owned by one inference subtask: the {@link
 * ForwardRunner} of ONNX models. {@link #close()} releases both; the process-wide {@link
 * OrtEnvironment} stays.
 *
 * <p>Inputs are copied into direct, native-order buffers that the session reuses from batch to
 * batch (ONNX Runtime reads them in place); outputs are copied into {@link Tensor} arrays and the
 * native results are closed at once. Not thread-safe, like the subtask that owns it.
 */
public final class OnnxSession implements ForwardRunner {
    private static final Logger LOG = LoggerFactory.getLogger(OnnxSession.class);

    private final String modelName;
    private final OrtSession.SessionOptions options;
    private final OrtSession session;
    private final String executionProvider;
    private final Set<String> inputNames;
    private final Set<String> outputNames;
    private static final AtomicInteger OPEN_SESSIONS = new AtomicInteger();

    private final Map<String, ByteBuffer> inputBuffers = new HashMap<>();
    private final OrtSession.RunOptions runOptions;
    private volatile boolean closed;

    private OnnxSession(
            String modelName,
            OrtSession.SessionOptions options,
            OrtSession session,
            OrtSession.RunOptions runOptions,
            String executionProvider) {
        this.modelName = modelName;
        this.options = options;
        this.session = session;
        this.executionProvider = executionProvider;
        this.inputNames = new LinkedHashSet<>(session.getInputNames());
        this.outputNames = new LinkedHashSet<>(session.getOutputNames());
        this.runOptions = runOptions;
        OPEN_SESSIONS.incrementAndGet();
    }

    /** Sessions opened in this class loader and not yet closed: leak checks read it. */
    public static int openSessions() {
        return OPEN_SESSIONS.get();
    }

    /**
     * Opens a session on {@code model} for {@code context}'s device.
     *
     * @throws IllegalStateException for {@link Device#CUDA} when the CUDA execution provider cannot
     *     be loaded on the bound GPU
     */
    public static OnnxSession open(ModelLocation model, ForwardContext context)
            throws OrtException {
        OrtEnvironment env = OnnxEnvironment.get();
        // Only a GPU attempt can fail in a way we recover from; CPU failures propagate.
        if (context.device() != Device.CPU && context.hasGpu()) {
            OrtSession.SessionOptions cudaOptions = baseOptions(context);
            try {
                cudaOptions.addCUDA(context.gpuIndex());
                OrtSession session = createSession(env, model, cudaOptions);
                return withRunOptions(
                        model.toString(), cudaOptions, session, "CUDA:" + context.gpuIndex());
            } catch (OrtException | RuntimeException | LinkageError e) {
                cudaOptions.close();
                if (context.device() == Device.CUDA) {
                    throw new IllegalStateException(
                            "Cannot run "
                                    + model
                                    + " on CUDA GPU "
                                    + context.gpuIndex()
                                    + ": the CUDA execution provider did not load ("
                                    + e.getMessage()
                                    + "). It needs the onnxruntime_gpu artifact (build with"
                                    + " -Pgpu) and matching CUDA/cuDNN libraries.",
                            e);
                }
                LOG.warn(
                        "CUDA execution provider unavailable for GPU {} ({}); running {} on CPU",
                        context.gpuIndex(),
                        e.getMessage(),
                        model);
            }
        }
        OrtSession.SessionOptions cpuOptions = baseOptions(context);
        try {
            OrtSession session = createSession(env, model, cpuOptions);
            return withRunOptions(model.toString(), cpuOptions, session, "CPU");
        } catch (OrtException | RuntimeException e) {
            cpuOptions.close();
            throw e;
        }
    }

    /** Owns {@code session} and {@code options} from here on: closes both if this fails. */
    private static OnnxSession withRunOptions(
            String modelName,
            OrtSession.SessionOptions options,
            OrtSession session,
            String executionProvider)
            throws OrtException {
        try {
            return new OnnxSession(
                    modelName, options, session, new OrtSession.RunOptions(), executionProvider);
        } catch (OrtException | RuntimeException e) {
            try {
                session.close();
            } finally {
                options.close();
            }
            throw e;
        }
    }

    private static OrtSession.SessionOptions baseOptions(ForwardContext context)
            throws OrtException {
        OrtSession.SessionOptions options = new OrtSession.SessionOptions();
        try {
            options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            options.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            options.setInterOpNumThreads(1);
            if (context.intraOpThreads() > 0) {
                options.setIntraOpNumThreads(context.intraOpThreads());
            }
            // Idle ORT workers spin by default; on a task manager they would steal the cores of
            // the CPU task set between batches.
            options.addConfigEntry("session.intra_op.allow_spinning", "0");
            return options;
        } catch (OrtException | RuntimeException e) {
            options.close();
            throw e;
        }
    }

    private static OrtSession createSession(
            OrtEnvironment env, ModelLocation model, OrtSession.SessionOptions options)
            throws OrtException {
        if (model.kind() == ModelLocation.Kind.FILE) {
            // Let ONNX Runtime read the file itself: no copy of the weights on the Java heap.
            return env.createSession(model.path(), options);
        }
        return env.createSession(model.readBytes(), options);
    }

    /** {@code "CPU"} or {@code "CUDA:<gpu index>"}: where the session actually runs. */
    public String executionProvider() {
        return executionProvider;
    }

    public Set<String> inputNames() {
        return inputNames;
    }

    public Set<String> outputNames() {
        return outputNames;
    }

    /** Declared input shapes, {@code -1} for dynamic dimensions. */
    public Map<String, long[]> inputShapes() throws OrtException {
        requireOpen();
        Map<String, long[]> shapes = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> input : session.getInputInfo().entrySet()) {
            shapes.put(input.getKey(), ((TensorInfo) input.getValue().getInfo()).getShape());
        }
        return shapes;
    }

    /** The model's custom metadata (for example its labels). */
    public Map<String, String> customMetadata() throws OrtException {
        requireOpen();
        return session.getMetadata().getCustomMetadata();
    }

    public boolean isClosed() {
        return closed;
    }

    /**
     * Runs the model on {@code batch}, which must hold exactly the model's inputs, and returns all
     * its outputs.
     */
    @Override
    public TensorMap forward(TensorMap batch) throws OrtException {
        requireOpen();
        checkInputs(batch);
        OrtEnvironment env = OnnxEnvironment.get();
        Map<String, OnnxTensor> inputs = new LinkedHashMap<>();
        try {
            for (String name : inputNames) {
                inputs.put(name, toOnnx(env, batch.get(name)));
            }
            try (OrtSession.Result result = session.run(inputs, runOptions)) {
                List<Tensor> outputs = new ArrayList<>(result.size());
                for (Map.Entry<String, OnnxValue> output : result) {
                    outputs.add(fromOnnx(output.getKey(), output.getValue()));
                }
                return TensorMap.of(outputs);
            }
        } finally {
            for (OnnxTensor input : inputs.values()) {
                input.close();
            }
        }
    }

    /**
     * Stops a run in progress on another thread, or the next run, until {@link #resetTerminate}:
     * ONNX Runtime checks the flag between kernels, the first one included.
     */
    @Override
    public void terminate() {
        setTerminate(true);
    }

    @Override
    public void resetTerminate() {
        setTerminate(false);
    }

    private void setTerminate(boolean terminate) {
        if (closed) {
            return;
        }
        try {
            runOptions.setTerminate(terminate);
        } catch (OrtException e) {
            LOG.warn(
                    "Could not {} the terminate request of {}",
                    terminate ? "set" : "reset",
                    modelName,
                    e);
        }
    }

    private void requireOpen() {
        if (closed) {
            throw new IllegalStateException("ONNX session for " + modelName + " is closed");
        }
    }

    private void checkInputs(TensorMap batch) {
        if (!batch.names().equals(inputNames)) {
            Set<String> missing = new LinkedHashSet<>(inputNames);
            missing.removeAll(batch.names());
            Set<String> unknown = new LinkedHashSet<>(batch.names());
            unknown.removeAll(inputNames);
            throw new IllegalArgumentException(
                    "Batch does not match the inputs of "
                            + modelName
                            + ": missing "
                            + missing
                            + ", not model inputs "
                            + unknown
                            + "; model inputs are "
                            + inputNames);
        }
    }

    private OnnxTensor toOnnx(OrtEnvironment env, Tensor tensor) throws OrtException {
        ByteBuffer bytes = inputBuffer(tensor.name(), tensor.sizeInBytes());
        long[] shape = tensor.shape();
        return switch (tensor.dtype()) {
            case INT64 -> {
                LongBuffer buffer = bytes.asLongBuffer();
                buffer.put(tensor.longs()).flip();
                yield OnnxTensor.createTensor(env, buffer, shape);
            }
            case INT32 -> {
                IntBuffer buffer = bytes.asIntBuffer();
                buffer.put(tensor.ints()).flip();
                yield OnnxTensor.createTensor(env, buffer, shape);
            }
            case FLOAT32 -> {
                FloatBuffer buffer = bytes.asFloatBuffer();
                buffer.put(tensor.floats()).flip();
                yield OnnxTensor.createTensor(env, buffer, shape);
            }
        };
    }

    /**
     * A direct buffer for one input, grown to the largest batch seen: allocating direct memory per
     * batch is slow and leaves its release to the garbage collector.
     */
    private ByteBuffer inputBuffer(String name, long bytes) {
        if (bytes > Integer.MAX_VALUE - 16) {
            throw new IllegalArgumentException(
                    "Input '" + name + "' of " + bytes + " bytes is too large for one batch");
        }
        ByteBuffer buffer = inputBuffers.get(name);
        if (buffer == null || buffer.capacity() < bytes) {
            int capacity = (int) Math.min(Integer.MAX_VALUE - 16, Math.max(bytes, 1024));
            buffer = ByteBuffer.allocateDirect(capacity).order(ByteOrder.nativeOrder());
            inputBuffers.put(name, buffer);
        }
        buffer.clear();
        return buffer;
    }

    private Tensor fromOnnx(String name, OnnxValue value) {
        if (!(value instanceof OnnxTensor tensor)) {
            throw new IllegalStateException(
                    "Output '"
                            + name
                            + "' of "
                            + modelName
                            + " is a "
                            + value.getType()
                            + ", only tensors are supported");
        }
        long[] shape = tensor.getInfo().getShape();
        // The get*Buffer methods return heap copies, whose arrays become the tensor's data.
        return switch (tensor.getInfo().type) {
            // ONNX Runtime widens half-precision outputs to float here.
            case FLOAT, FLOAT16, BFLOAT16 ->
                    Tensor.ofFloats(name, shape, heapArray(tensor.getFloatBuffer()));
            case INT64 -> Tensor.ofLongs(name, shape, tensor.getLongBuffer().array());
            case INT32 -> Tensor.ofInts(name, shape, tensor.getIntBuffer().array());
            default ->
                    throw new IllegalStateException(
                            "Output '"
                                    + name
                                    + "' of "
                                    + modelName
                                    + " has element type "
                                    + tensor.getInfo().type
                                    + "; supported: FLOAT, FLOAT16, BFLOAT16, INT64, INT32");
        };
    }

    private static float[] heapArray(FloatBuffer buffer) {
        if (buffer.hasArray()
                && buffer.arrayOffset() == 0
                && buffer.array().length == buffer.limit()) {
            return buffer.array();
        }
        float[] copy = new float[buffer.remaining()];
        buffer.get(copy);
        return copy;
    }

    /** Closes the session, then its options; idempotent. */
    @Override
    public void close() throws OrtException {
        if (closed) {
            return;
        }
        closed = true;
        OPEN_SESSIONS.decrementAndGet();
        inputBuffers.values().forEach(DirectBuffers::free);
        inputBuffers.clear();
        try {
            session.close();
        } finally {
            try {
                options.close();
            } finally {
                runOptions.close();
            }
        }
    }

    @Override
    public String toString() {
        return "OnnxSession["
                + modelName
                + " on "
                + executionProvider
                + (closed ? ", closed" : "")
                + "]";
    }
}
