package io.tandem.models;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * A linear sequence-classification head on an encoder export: the encoder's {@code
 * last_hidden_state} is pooled into one vector per row, then {@code logits = pooled · weight +
 * bias}, [batch, labels], becomes the model's only output, as a Hugging Face {@code --task
 * text-classification} export has it. It makes a sequence classifier out of a real encoder with
 * weights chosen by the caller, so the whole classifier path can be checked against known answers.
 */
public final class SequenceHead {
    public static final String HIDDEN_OUTPUT = ClassifierHead.HIDDEN_OUTPUT;
    public static final String LOGITS = ClassifierHead.LOGITS;

    /**
     * How a row's token vectors become one: their mean over the attention mask, or the mean over
     * the positions holding one token id (the {@code [CLS]} token, or an entity marker).
     */
    public record Pooling(long tokenId) {
        public static final Pooling MEAN = new Pooling(-1);

        public static Pooling atToken(long id) {
            return new Pooling(id);
        }
    }

    private SequenceHead() {}

    /**
     * The encoder's ONNX bytes with the head attached.
     *
     * @param weight [hidden, labels] in row-major order
     * @param bias [labels]
     */
    public static byte[] attach(
            byte[] encoderOnnx, int hidden, Pooling pooling, float[] weight, float[] bias) {
        ModelProto encoder;
        try {
            encoder = ModelProto.parseFrom(encoderOnnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Not an ONNX model: " + e.getMessage(), e);
        }
        if (encoder.getGraph().getOutputList().stream()
                .noneMatch(output -> output.getName().equals(HIDDEN_OUTPUT))) {
            throw new IllegalArgumentException(
                    "The encoder has no output '" + HIDDEN_OUTPUT + "' to attach a head to");
        }
        int labels = bias.length;
        if (weight.length != hidden * labels) {
            throw new IllegalArgumentException(
                    "A head of "
                            + labels
                            + " labels on "
                            + hidden
                            + " hidden units needs "
                            + hidden * labels
                            + " weights, got "
                            + weight.length);
        }
        OnnxGraphBuilder g = OnnxGraphBuilder.extending(encoder);
        Axes axis1 = new Axes(g, opset(encoder), 1);
        String positions;
        if (pooling.tokenId() < 0) {
            positions = "attention_mask";
        } else {
            String ids =
                    g.node(
                            "Cast",
                            "sequence_head.ids",
                            OnnxGraphBuilder.in("input_ids"),
                            OnnxGraphBuilder.intAttribute(
                                    "to", TensorProto.DataType.INT64.getNumber()));
            String token =
                    g.longs("sequence_head.token", new long[0], new long[] {pooling.tokenId()});
            positions = g.node("Equal", "sequence_head.at_token", OnnxGraphBuilder.in(ids, token));
        }
        String rowWeights =
                g.node(
                        "Cast",
                        "sequence_head.weights",
                        OnnxGraphBuilder.in(positions),
                        OnnxGraphBuilder.intAttribute(
                                "to", TensorProto.DataType.FLOAT.getNumber()));
        String asRow = axis1.node("Unsqueeze", "sequence_head.weights_row", rowWeights);
        String summed =
                g.node("MatMul", "sequence_head.summed", OnnxGraphBuilder.in(asRow, HIDDEN_OUTPUT));
        String flat = axis1.node("Squeeze", "sequence_head.sum", summed);
        String count =
                axis1.node(
                        "ReduceSum",
                        "sequence_head.count",
                        rowWeights,
                        OnnxGraphBuilder.intAttribute("keepdims", 1));
        // A row without the token pools to zeros instead of dividing by zero.
        String atLeastOne =
                g.node(
                        "Max",
                        "sequence_head.count_at_least_one",
                        OnnxGraphBuilder.in(count, g.scalar("sequence_head.one", 1f)));
        String pooled =
                g.node("Div", "sequence_head.pooled", OnnxGraphBuilder.in(flat, atLeastOne));
        String w = g.floats("sequence_head.weight", new long[] {hidden, labels}, weight);
        String b = g.floats("sequence_head.bias", new long[] {labels}, bias);
        String scores = g.node("MatMul", "sequence_head.scores", OnnxGraphBuilder.in(pooled, w));
        g.node("Add", LOGITS, OnnxGraphBuilder.in(scores, b));
        g.clearOutputs();
        g.output(LOGITS, TensorProto.DataType.FLOAT, "batch", labels);
        return g.build(encoder.getDocString() + " + a linear sequence-classification head")
                .toByteArray();
    }

    /** The default domain's opset the model imports. */
    private static long opset(ModelProto model) {
        return model.getOpsetImportList().stream()
                .filter(o -> o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx"))
                .mapToLong(o -> o.getVersion())
                .max()
                .orElse(OnnxGraphBuilder.OPSET);
    }

    /**
     * One axis for Unsqueeze, Squeeze and ReduceSum: an input since opset 13, an attribute before,
     * so the head fits the encoder's opset (exports of older tools use 11 or 12).
     */
    private static final class Axes {
        private final OnnxGraphBuilder g;
        private final boolean asInput;
        private final long axis;
        private String constant;

        Axes(OnnxGraphBuilder g, long opset, long axis) {
            this.g = g;
            this.asInput = opset >= 13;
            this.axis = axis;
        }

        String node(
                String op,
                String output,
                String input,
                ai.onnx.proto.OnnxMl.AttributeProto... attributes) {
            if (!asInput) {
                ai.onnx.proto.OnnxMl.AttributeProto[] all =
                        java.util.Arrays.copyOf(attributes, attributes.length + 1);
                all[attributes.length] = OnnxGraphBuilder.intsAttribute("axes", axis);
                return g.node(op, output, OnnxGraphBuilder.in(input), all);
            }
            if (constant == null) {
                constant = g.longs("sequence_head.axis" + axis, new long[] {1}, new long[] {axis});
            }
            return g.node(op, output, OnnxGraphBuilder.in(input, constant), attributes);
        }
    }

    /**
     * A stand-in encoder for tests: {@code last_hidden_state = table[input_ids]}, each token's
     * vector a row of {@code table} ([vocabulary, hidden]); inputs {@code input_ids} and {@code
     * attention_mask} (int64).
     */
    public static byte[] embeddingEncoder(float[] table, int vocabulary, int hidden) {
        OnnxGraphBuilder g = new OnnxGraphBuilder("tandem_embedding_encoder");
        String ids = g.input("input_ids", TensorProto.DataType.INT64, "batch", "sequence");
        g.input("attention_mask", TensorProto.DataType.INT64, "batch", "sequence");
        String weights = g.floats("embeddings", new long[] {vocabulary, hidden}, table);
        g.node(
                "Gather",
                HIDDEN_OUTPUT,
                OnnxGraphBuilder.in(weights, ids),
                OnnxGraphBuilder.intAttribute("axis", 0));
        g.output(HIDDEN_OUTPUT, TensorProto.DataType.FLOAT, "batch", "sequence", hidden);
        return g.build("Tandem embedding-table encoder (tests)").toByteArray();
    }
}
