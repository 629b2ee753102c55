package io.tandem.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What an ONNX graph declares: its inputs and outputs with element types and shapes ({@code -1} for
 * a dynamic dimension), and its custom metadata. Read on the client when a component is built, so a
 * model that a component cannot feed or read stops the job at start-up instead of failing every
 * batch.
 */
public record ModelSignature(
        ModelLocation model,
        Map<String, Port> inputs,
        Map<String, Port> outputs,
        Map<String, String> metadata) {

    /** One input or output: element type as ONNX Runtime names it, and shape. */
    public record Port(String name, OnnxJavaType type, long[] shape) {
        /** The last dimension, or -1 when dynamic. */
        public long lastDim() {
            return shape.length == 0 ? -1 : shape[shape.length - 1];
        }

        @Override
        public String toString() {
            return name + " " + type + Arrays.toString(shape);
        }
    }

    /**
     * Opens a CPU session on {@code model} to read its signature, and closes it.
     *
     * @throws IllegalArgumentException naming the model when ONNX Runtime cannot load it
     */
    public static ModelSignature read(ModelLocation model) {
        OrtEnvironment env = OnnxEnvironment.get();
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions();
                OrtSession session =
                        model.kind() == ModelLocation.Kind.FILE
                                ? env.createSession(model.path(), options)
                                : env.createSession(model.readBytes(), options)) {
            return new ModelSignature(
                    model,
                    ports(session.getInputInfo()),
                    ports(session.getOutputInfo()),
                    Map.copyOf(session.getMetadata().getCustomMetadata()));
        } catch (OrtException e) {
            throw new IllegalArgumentException(
                    "Cannot load model " + model + " with ONNX Runtime: " + e.getMessage(), e);
        }
    }

    private static Map<String, Port> ports(Map<String, NodeInfo> infos) {
        Map<String, Port> ports = new LinkedHashMap<>();
        for (Map.Entry<String, NodeInfo> info : infos.entrySet()) {
            if (info.getValue().getInfo() instanceof TensorInfo tensor) {
                ports.put(info.getKey(), new Port(info.getKey(), tensor.type, tensor.getShape()));
            } else {
                throw new IllegalArgumentException(
                        "Model input or output '"
                                + info.getKey()
                                + "' is "
                                + info.getValue().getInfo()
                                + "; only tensors are supported");
            }
        }
        return ports;
    }
}
