package io.tandem.hf;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import io.tandem.inference.ModelLocation;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The word-embedding table of an ONNX encoder: the tensor that a {@code Gather} on {@code
 * input_ids} reads rows from, found in the {@code .onnx} file itself (ONNX Runtime's Java API does
 * not list a graph's initializers). Its row count is the largest id + 1 the model can take.
 *
 * <p>The table is an initializer, or a {@code Constant}, reached from the {@code Gather} through
 * value-preserving nodes ({@code Cast}, {@code Identity}, {@code DequantizeLinear} of quantized
 * exports); {@code input_ids} may pass through {@code Cast} or {@code Identity} first. A table
 * computed otherwise (sliced, reshaped) is not followed: the model then has no readable table.
 *
 * <p>The file is streamed: initializers' data (nearly all of its bytes) is skipped, not read, so
 * reading the table of a large model costs little memory.
 */
public record WordEmbeddingTable(String name, long rows) {
    // Field numbers of onnx.proto.
    private static final int MODEL_GRAPH = 7;
    private static final int GRAPH_NODE = 1;
    private static final int GRAPH_INITIALIZER = 5;
    private static final int TENSOR_DIMS = 1;
    private static final int TENSOR_NAME = 8;

    private static final Set<String> VALUE_PRESERVING = Set.of("Cast", "Identity");
    private static final Set<String> TABLE_PRESERVING =
            Set.of("Cast", "Identity", "DequantizeLinear");
    private static final String CONSTANT = "Constant";

    /**
     * The smallest table a {@code Gather} on {@code idsInput} reads in {@code model}, or empty when
     * the graph has none that can be read.
     *
     * @throws IllegalArgumentException naming the model when the file is not an ONNX model
     */
    public static Optional<WordEmbeddingTable> read(ModelLocation model, String idsInput) {
        Graph graph;
        try (InputStream in = model.open()) {
            graph = Graph.read(CodedInputStream.newInstance(in));
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read model " + model + " as an ONNX graph: " + e.getMessage(), e);
        }
        return graph.table(idsInput);
    }

    /** The graph's nodes, and the first dimension of each initializer. */
    private record Graph(List<NodeProto> nodes, Map<String, Long> initializerRows) {
        static Graph read(CodedInputStream in) throws IOException {
            in.setSizeLimit(Integer.MAX_VALUE);
            Graph graph = new Graph(new ArrayList<>(), new HashMap<>());
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

        Optional<WordEmbeddingTable> table(String idsInput) {
            Map<String, NodeProto> producers = new HashMap<>();
            for (NodeProto node : nodes) {
                for (String output : node.getOutputList()) {
                    producers.put(output, node);
                }
            }
            Set<String> ids = new HashSet<>(Set.of(idsInput));
            boolean grew = true;
            while (grew) {
                grew = false;
                for (NodeProto node : nodes) {
                    if (VALUE_PRESERVING.contains(node.getOpType())
                            && node.getInputCount() > 0
                            && ids.contains(node.getInput(0))) {
                        grew |= ids.addAll(node.getOutputList());
                    }
                }
            }
            WordEmbeddingTable smallest = null;
            for (NodeProto node : nodes) {
                if (node.getOpType().equals("Gather")
                        && node.getInputCount() == 2
                        && ids.contains(node.getInput(1))
                        && axis(node) == 0) {
                    WordEmbeddingTable table = tableOf(node.getInput(0), producers);
                    if (table != null && (smallest == null || table.rows() < smallest.rows())) {
                        smallest = table;
                    }
                }
            }
            return Optional.ofNullable(smallest);
        }

        private WordEmbeddingTable tableOf(String value, Map<String, NodeProto> producers) {
            // Bounded: a malformed graph may have a cycle.
            for (int step = 0; step <= producers.size(); step++) {
                Long rows = initializerRows.get(value);
                if (rows != null) {
                    return new WordEmbeddingTable(value, rows);
                }
                NodeProto producer = producers.get(value);
                if (producer == null) {
                    return null;
                }
                if (producer.getOpType().equals(CONSTANT)) {
                    for (AttributeProto attribute : producer.getAttributeList()) {
                        if (attribute.getName().equals("value")
                                && attribute.getT().getDimsCount() > 0) {
                            return new WordEmbeddingTable(value, attribute.getT().getDims(0));
                        }
                    }
                    return null;
                }
                if (!TABLE_PRESERVING.contains(producer.getOpType())
                        || producer.getInputCount() == 0) {
                    return null;
                }
                value = producer.getInput(0);
            }
            return null;
        }

        private static long axis(NodeProto gather) {
            for (AttributeProto attribute : gather.getAttributeList()) {
                if (attribute.getName().equals("axis")) {
                    return attribute.getI();
                }
            }
            return 0;
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
