package io.tandem.models;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.InvalidProtocolBufferException;

/**
 * A linear token-classification head on an encoder export: {@code logits = hidden · weight + bias}
 * on the encoder's {@code last_hidden_state}, which becomes the model's only output. It makes a
 * token classifier out of a real encoder with weights chosen by the caller, so the whole token path
 * (a real tokenizer.json, a real transformer) can be checked against known answers.
 */
public final class ClassifierHead {
    public static final String HIDDEN_OUTPUT = "last_hidden_state";
    public static final String LOGITS = "logits";

    private ClassifierHead() {}

    /**
     * The encoder's ONNX bytes with the head attached.
     *
     * @param weight [hidden, labels] in row-major order
     * @param bias [labels]
     */
    public static byte[] attach(byte[] encoderOnnx, int hidden, float[] weight, float[] bias) {
        ModelProto encoder = encoderWithHiddenOutput(encoderOnnx);
        checkWeights(hidden, weight, bias);
        int labels = bias.length;
        OnnxGraphBuilder g = OnnxGraphBuilder.extending(encoder);
        String w = g.floats("token_head.weight", new long[] {hidden, labels}, weight);
        String b = g.floats("token_head.bias", new long[] {labels}, bias);
        String scores =
                g.node("MatMul", "token_head.scores", OnnxGraphBuilder.in(HIDDEN_OUTPUT, w));
        g.node("Add", LOGITS, OnnxGraphBuilder.in(scores, b));
        g.clearOutputs();
        g.output(LOGITS, TensorProto.DataType.FLOAT, "batch", "sequence", labels);
        return g.build(encoder.getDocString() + " + a linear token-classification head")
                .toByteArray();
    }

    /** Parses an encoder export that has a {@link #HIDDEN_OUTPUT} for a head to read. */
    static ModelProto encoderWithHiddenOutput(byte[] encoderOnnx) {
        ModelProto encoder;
        try {
            encoder = ModelProto.parseFrom(encoderOnnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("Not an ONNX model: " + e.getMessage(), e);
        }
        boolean hasHidden =
                encoder.getGraph().getOutputList().stream()
                        .anyMatch(output -> output.getName().equals(HIDDEN_OUTPUT));
        if (!hasHidden) {
            throw new IllegalArgumentException(
                    "The encoder has no output '"
                            + HIDDEN_OUTPUT
                            + "' to attach a head to; its outputs: "
                            + encoder.getGraph().getOutputList().stream()
                                    .map(output -> output.getName())
                                    .toList());
        }
        return encoder;
    }

    /** A linear head's weight is [hidden, labels] for its bias of [labels]. */
    static void checkWeights(int hidden, float[] weight, float[] bias) {
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
    }
}
