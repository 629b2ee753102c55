package io.tandem.hf;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import io.tandem.inference.ModelLocation;
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
        return in(OnnxGraph.read(model), idsInput);
    }

    /** The smallest table a {@code Gather} on {@code idsInput} reads in {@code graph}, if any. */
    static Optional<WordEmbeddingTable> in(OnnxGraph graph, String idsInput) {
        List<NodeProto> nodes = graph.nodes();
        Map<String, Long> initializerRows = graph.initializerRows();
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
                WordEmbeddingTable table = tableOf(node.getInput(0), producers, initializerRows);
                if (table != null && (smallest == null || table.rows() < smallest.rows())) {
                    smallest = table;
                }
            }
        }
        return Optional.ofNullable(smallest);
    }

    private static WordEmbeddingTable tableOf(
            String value, Map<String, NodeProto> producers, Map<String, Long> initializerRows) {
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
            if (!TABLE_PRESERVING.contains(producer.getOpType()) || producer.getInputCount() == 0) {
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
