package io.tandem.hf;

import ai.onnx.proto.OnnxMl.NodeProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.tandem.inference.ModelLocation;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The nodes of an ONNX model's main graph and the first dimension of each initializer, read from
 * the {@code .onnx} file (ONNX Runtime's Java API lists neither). The file is streamed:
 * initializers' data (nearly all of its bytes) is skipped, not read, so a large model costs little
 * memory.
 */
record OnnxGraph(List<NodeProto> nodes, Map<String, Long> initializerRows) {
    // Field numbers of onnx.proto.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_NAME = 8;

    /** Operators of dynamic quantization: {@code DynamicQuantizeLinear}, {@code ...MatMul}, ... */
    private static final String DYNAMIC_QUANTIZATION = "DynamicQuantize";

    /**
     * @throws IllegalArgumentException naming the model when the file is not an ONNX model
     */
    static OnnxGraph read(ModelLocation model) {
        try (InputStream in = model.open()) {
            return read(CodedInputStream.newInstance(in));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read model " + model + " as an ONNX graph: " + e.getMessage(), e);
        }
    }

    /**
     * Whether the graph quantizes its activations dynamically: with one scale computed per pass
     * over the whole tensor, so a row's outputs depend on the rows and the padding beside it.
     */
    boolean dynamicallyQuantized() {
        return nodes.stream().anyMatch(node -> node.getOpType().startsWith(DYNAMIC_QUANTIZATION));
    }

    private static OnnxGraph read(CodedInputStream in) throws IOException {
        in.setSizeLimit(Integer.MAX_VALUE);
        OnnxGraph graph = new OnnxGraph(new ArrayList<>(), new HashMap<>());
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == lengthDelimited(MODEL_GRAPH)) {
                int limit = in.pushLimit(in.readRawVarint32());
                graph.readGraph(in);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
        return graph;
    }

    private void readGraph(CodedInputStream in) throws IOException {
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == lengthDelimited(GRAPH_NODE)) {
                nodes.add(NodeProto.parseFrom(in.readBytes()));
            } else if (tag == lengthDelimited(GRAPH_INITIALIZER)) {
                int limit = in.pushLimit(in.readRawVarint32());
                readInitializer(in);
                in.popLimit(limit);
            } else {
                in.skipField(tag);
            }
        }
    }

    /** Reads an initializer's name and first dimension; skips its data. */
    private void readInitializer(CodedInputStream in) throws IOException {
        String name = null;
        Long rows = null;
        for (int tag = in.readTag(); tag != 0; tag = in.readTag()) {
            if (tag == tag(TENSOR_DIMS, WireFormat.WIRETYPE_VARINT)) {
                long dim = in.readInt64();
                rows = rows == null ? dim : rows;
            } else if (tag == lengthDelimited(TENSOR_DIMS)) {
                int limit = in.pushLimit(in.readRawVarint32());
                if (!in.isAtEnd() && rows == null) {
                    rows = in.readInt64();
                }
                in.skipRawBytes(in.getBytesUntilLimit());
                in.popLimit(limit);
            } else if (tag == lengthDelimited(TENSOR_NAME)) {
                name = in.readString();
            } else {
                in.skipField(tag);
            }
        }
        if (name != null && rows != null) {
            initializerRows.put(name, rows);
        }
    }

    private static int lengthDelimited(int field) {
        return tag(field, WireFormat.WIRETYPE_LENGTH_DELIMITED);
    }

    /** A field's tag as protobuf writes it: the field number, then 3 bits of wire type. */
    private static int tag(int field, int wireType) {
        return field << 3 | wireType;
    }
}
