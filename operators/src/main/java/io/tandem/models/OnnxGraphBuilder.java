package io.tandem.models;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds an ONNX {@link ModelProto} node by node. Everything is added in call order and no field
 * depends on time or hashing, so the same calls always serialize to the same bytes.
 */
final class OnnxGraphBuilder {
    /** IR version 8 with opset 17: what ONNX Runtime 1.29.0 is known to run. */
    static final long IR_VERSION = 8;

    static final long OPSET = 17;
    static final String PRODUCER = "tandem";

    private final GraphProto.Builder graph;
    private final Set<String> names = new HashSet<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** The model extended, whose IR version and opsets are kept; null for a new graph. */
    private final ModelProto base;

    private int nodeCount;

    OnnxGraphBuilder(String graphName) {
        graph = GraphProto.newBuilder().setName(graphName);
        base = null;
    }

    private OnnxGraphBuilder(ModelProto base) {
        this.base = base;
        graph = base.getGraph().toBuilder();
        for (ValueInfoProto input : graph.getInputList()) {
            names.add(input.getName());
        }
        for (TensorProto initializer : graph.getInitializerList()) {
            names.add(initializer.getName());
        }
        for (NodeProto node : graph.getNodeList()) {
            names.addAll(node.getOutputList());
        }
        nodeCount = graph.getNodeCount();
    }

    /**
     * A builder that adds to an existing model (a real export): its nodes, values, IR version and
     * opsets stay as they are, and the names it uses are taken.
     */
    static OnnxGraphBuilder extending(ModelProto base) {
        return new OnnxGraphBuilder(base);
    }

    /** Drops the graph's outputs, so that the caller declares its own. */
    void clearOutputs() {
        graph.clearOutput();
    }

    /** Declares a graph input; dims are numbers or symbolic names such as {@code "batch"}. */
    String input(String name, TensorProto.DataType type, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, type, dims));
        return name;
    }

    /** Declares an already produced value as a graph output. */
    void output(String name, TensorProto.DataType type, Object... dims) {
        graph.addOutput(valueInfo(name, type, dims));
    }

    void metadata(String key, String value) {
        metadata.put(key, value);
    }

    /** A FLOAT initializer stored as little-endian raw data. */
    String floats(String name, long[] dims, float[] values) {
        checkCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().put(values);
        return initializer(name, TensorProto.DataType.FLOAT, dims, raw);
    }

    /** An INT64 initializer stored as little-endian raw data. */
    String longs(String name, long[] dims, long[] values) {
        checkCount(name, dims, values.length);
        ByteBuffer raw = ByteBuffer.allocate(values.length * Long.BYTES);
        raw.order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().put(values);
        return initializer(name, TensorProto.DataType.INT64, dims, raw);
    }

    /** A scalar FLOAT constant. */
    String scalar(String name, float value) {
        return floats(name, new long[0], new float[] {value});
    }

    private String initializer(
            String name, TensorProto.DataType type, long[] dims, ByteBuffer raw) {
        claim(name);
        TensorProto.Builder tensor =
                TensorProto.newBuilder().setName(name).setDataType(type.getNumber());
        for (long dim : dims) {
            tensor.addDims(dim);
        }
        tensor.setRawData(ByteString.copyFrom(raw.array()));
        graph.addInitializer(tensor);
        return name;
    }

    /** Adds a node with one output named {@code output}; returns that name. */
    String node(String opType, String output, String[] inputs, AttributeProto... attributes) {
        claim(output);
        NodeProto.Builder node =
                NodeProto.newBuilder()
                        .setOpType(opType)
                        .setName(opType + "_" + nodeCount++)
                        .addOutput(output);
        for (String input : inputs) {
            node.addInput(input);
        }
        for (AttributeProto attribute : attributes) {
            node.addAttribute(attribute);
        }
        graph.addNode(node);
        return output;
    }

    static String[] in(String... inputs) {
        return inputs;
    }

    static AttributeProto intAttribute(String name, long value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.INT)
                .setI(value)
                .build();
    }

    static AttributeProto floatAttribute(String name, float value) {
        return AttributeProto.newBuilder()
                .setName(name)
                .setType(AttributeProto.AttributeType.FLOAT)
                .setF(value)
                .build();
    }

    static AttributeProto intsAttribute(String name, long... values) {
        AttributeProto.Builder attribute =
                AttributeProto.newBuilder()
                        .setName(name)
                        .setType(AttributeProto.AttributeType.INTS);
        for (long value : values) {
            attribute.addInts(value);
        }
        return attribute.build();
    }

    ModelProto build(String docString) {
        if (base != null) {
            ModelProto.Builder model = base.toBuilder().setDocString(docString).setGraph(graph);
            metadata.forEach(
                    (key, value) ->
                            model.addMetadataProps(
                                    StringStringEntryProto.newBuilder()
                                            .setKey(key)
                                            .setValue(value)));
            return model.build();
        }
        ModelProto.Builder model =
                ModelProto.newBuilder()
                        .setIrVersion(IR_VERSION)
                        .setProducerName(PRODUCER)
                        .setProducerVersion("1")
                        .setModelVersion(1)
                        .setDocString(docString)
                        .addOpsetImport(
                                OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                        .setGraph(graph);
        metadata.forEach(
                (key, value) ->
                        model.addMetadataProps(
                                StringStringEntryProto.newBuilder().setKey(key).setValue(value)));
        return model.build();
    }

    private void claim(String name) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("Value name '" + name + "' is used twice");
        }
    }

    private static void checkCount(String name, long[] dims, int count) {
        long expected = 1;
        for (long dim : dims) {
            expected *= dim;
        }
        if (expected != count) {
            throw new IllegalArgumentException(
                    "Initializer '"
                            + name
                            + "' has dims "
                            + Arrays.toString(dims)
                            + " but "
                            + count
                            + " values");
        }
    }

    private static ValueInfoProto valueInfo(
            String name, TensorProto.DataType type, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object dim : dims) {
            TensorShapeProto.Dimension.Builder d = TensorShapeProto.Dimension.newBuilder();
            if (dim instanceof Number n) {
                d.setDimValue(n.longValue());
            } else {
                d.setDimParam(dim.toString());
            }
            shape.addDim(d);
        }
        TypeProto.Tensor tensorType =
                TypeProto.Tensor.newBuilder().setElemType(type.getNumber()).setShape(shape).build();
        return ValueInfoProto.newBuilder()
                .setName(name)
                .setType(TypeProto.newBuilder().setTensorType(tensorType))
                .build();
    }
}
