package io.tandem.records;

import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordSerializerSnapshot;
import io.tandem.serialization.RecordTypeFactory;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What crosses the documents edge from a batcher to the postprocess join of the same subtask index:
 * the name of batch {@code seq} of producer {@code producer}. The batch's {@link PendingDocs}
 * themselves stay in the slot's JVM, handed over through the producer's shared registry entry
 * ({@code io.tandem.batching.BatchCredits}) before this handle is sent, so the join takes them from
 * there when the handle arrives.
 */
@TypeInfo(PendingDocsHandle.TypeFactory.class)
public record PendingDocsHandle(int producer, long seq) {

    /** The handle of {@code docs}. */
    public static PendingDocsHandle of(PendingDocs docs) {
        return new PendingDocsHandle(docs.producer(), docs.seq());
    }

    public static final class TypeFactory extends RecordTypeFactory<PendingDocsHandle> {
        public TypeFactory() {
            super(PendingDocsHandle.class, config -> Serializer.INSTANCE);
        }
    }

    /** Version 1: the producer and the batch's sequence number, 12 bytes. */
    public static final class Serializer extends RecordSerializer<PendingDocsHandle> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** The wire format this build writes. */
        public static final int FORMAT_VERSION = 1;

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public PendingDocsHandle copy(PendingDocsHandle from) {
            return from;
        }

        @Override
        public PendingDocsHandle createInstance() {
            return new PendingDocsHandle(0, 0);
        }

        @Override
        public int getLength() {
            return Integer.BYTES + Long.BYTES;
        }

        @Override
        public void serialize(PendingDocsHandle handle, DataOutputView out) throws IOException {
            out.writeInt(handle.producer);
            out.writeLong(handle.seq);
        }

        @Override
        public PendingDocsHandle deserialize(DataInputView in) throws IOException {
            return new PendingDocsHandle(in.readInt(), in.readLong());
        }

        @Override
        public TypeSerializerSnapshot<PendingDocsHandle> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Version {@value Serializer#FORMAT_VERSION}. */
    public static final class Snapshot extends RecordSerializerSnapshot<PendingDocsHandle> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION, version -> Serializer.INSTANCE);
        }
    }
}
