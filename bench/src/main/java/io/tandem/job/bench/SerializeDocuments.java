package io.tandem.job.bench;

import io.tandem.doc.Doc;
import io.tandem.doc.DocSerializer;
import io.tandem.pipeline.components.PipelineComponent;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * Puts back, on the CPU side, what the documents edge cost while it carried the documents
 * themselves: each document written and read back by Tandem's document serializer, the copy
 * dropped. Only the serializer's work: the network buffers the bytes also went through are not
 * reproduced, so this is a lower bound of that edge's cost.
 */
final class SerializeDocuments implements PipelineComponent {
    private static final long serialVersionUID = 1L;

    private transient DataOutputSerializer out;
    private transient DataInputDeserializer in;

    @Override
    public String name() {
        return "serialize-documents";
    }

    @Override
    public void process(Doc doc) {
        if (out == null) {
            out = new DataOutputSerializer(16 * 1024);
            in = new DataInputDeserializer();
        }
        try {
            out.clear();
            DocSerializer.INSTANCE.serialize(doc, out);
            in.setBuffer(out.getSharedBuffer(), 0, out.length());
            DocSerializer.INSTANCE.deserialize(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serialize document " + doc.id(), e);
        }
    }
}
