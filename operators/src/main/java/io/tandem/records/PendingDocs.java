package io.tandem.records;

import io.tandem.doc.Doc;
import io.tandem.doc.DocHoldingSerializer;
import io.tandem.doc.DocHoldingSnapshot;
import io.tandem.doc.DocSerializer;
import io.tandem.serialization.RecordTypeFactory;
import io.tandem.serialization.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The documents of batch {@code seq} of producer {@code producer}, sent over a forward edge to the
 * same subtask index of the postprocess join while their tensors go to the GPU. {@code arrivals}
 * numbers each document in the order it reached the producer, without gaps among the documents sent
 * to the join, so the join can restore that order after sorted-chunk batching; {@code features} are
 * the model component's preprocessed features, serialized by the component's codec.
 */
@TypeInfo(PendingDocs.TypeFactory.class)
public record PendingDocs(
        int producer, long seq, List<Doc> docs, long[] arrivals, byte[] features) {

    public static final class TypeFactory extends RecordTypeFactory<PendingDocs> {
        public TypeFactory() {
            super(PendingDocs.class, config -> new Serializer(new DocSerializer(config)));
        }
    }

    /**
     * The header, then each document's arrival number and the document (through the nested {@link
     * DocSerializer}), then the features' bytes.
     */
    public static final class Serializer extends DocHoldingSerializer<PendingDocs> {
        private static final long serialVersionUID = 1L;

        /** For jobs and tools without registered attribute types. */
        public static final Serializer INSTANCE = new Serializer(DocSerializer.INSTANCE);

        /** The wire format this build writes (the documents' format is the nested one's). */
        /**
         * 2: the documents inside are in document format 2 (vectors); 3: in document format 3
         * (sentence and document attributes). The framing is that of 1, and an older snapshot
         * restores a document reader of its format.
         */
        public static final int FORMAT_VERSION = 3;

        public Serializer(TypeSerializer<Doc> docs) {
            super(docs);
        }

        @Override
        protected Serializer withDocs(TypeSerializer<Doc> docs) {
            return new Serializer(docs);
        }

        @Override
        public PendingDocs createInstance() {
            return new PendingDocs(0, 0, List.of(), new long[0], new byte[0]);
        }

        @Override
        public PendingDocs copy(PendingDocs from) {
            List<Doc> copies = new ArrayList<>(from.docs.size());
            for (Doc doc : from.docs) {
                copies.add(docs.copy(doc));
            }
            return new PendingDocs(
                    from.producer, from.seq, copies, from.arrivals.clone(), from.features.clone());
        }

        @Override
        public void serialize(PendingDocs pending, DataOutputView out) throws IOException {
            out.writeInt(pending.producer);
            out.writeLong(pending.seq);
            WireFormat.writeVarInt(pending.docs.size(), out);
            for (int i = 0; i < pending.docs.size(); i++) {
                out.writeLong(pending.arrivals[i]);
                docs.serialize(pending.docs.get(i), out);
            }
            WireFormat.writeVarInt(pending.features.length, out);
            out.write(pending.features);
        }

        @Override
        public PendingDocs deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            long seq = in.readLong();
            int count = WireFormat.readVarInt(in);
            List<Doc> read = new ArrayList<>(count);
            long[] arrivals = new long[count];
            for (int i = 0; i < count; i++) {
                arrivals[i] = in.readLong();
                read.add(docs.deserialize(in));
            }
            byte[] features = new byte[WireFormat.readVarInt(in)];
            in.readFully(features);
            return new PendingDocs(producer, seq, read, arrivals, features);
        }

        @Override
        public TypeSerializerSnapshot<PendingDocs> snapshotConfiguration() {
            return new Snapshot(this);
        }
    }

    /**
     * Format version {@value Serializer#FORMAT_VERSION} of the batch around the documents, and the
     * documents' serializer as a nested snapshot. Changing the format: as for {@link
     * DocSerializer.DocSerializerSnapshot}.
     */
    public static final class Snapshot extends DocHoldingSnapshot<PendingDocs, Serializer> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION);
        }

        Snapshot(Serializer serializer) {
            super(Serializer.FORMAT_VERSION, serializer);
        }

        @Override
        protected Serializer serializer(TypeSerializer<Doc> docs) {
            return new Serializer(docs);
        }
    }
}
