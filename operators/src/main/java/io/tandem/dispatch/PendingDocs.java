package io.tandem.dispatch;

import io.tandem.doc.Doc;
import io.tandem.serialization.DocSerializer;
import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordTypeInfo;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The documents of batch {@code seq} of producer {@code producer}, sent over a forward edge to the
 * same subtask index of the postprocess join while their tensors go to the GPU. {@code arrivals}
 * numbers each document in the order it reached the producer, so the join can restore that order
 * after sorted-chunk batching; {@code features} are the model component's preprocessed features,
 * serialized by the component's codec.
 */
@TypeInfo(PendingDocs.TypeFactory.class)
public record PendingDocs(
        int producer, long seq, List<Doc> docs, long[] arrivals, byte[] features) {

    public static final class TypeFactory extends TypeInfoFactory<PendingDocs> {
        @Override
        public TypeInformation<PendingDocs> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> p) {
            return new RecordTypeInfo<>(PendingDocs.class, () -> Serializer.INSTANCE);
        }
    }

    public static final class Serializer extends RecordSerializer<PendingDocs> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        @Override
        public PendingDocs createInstance() {
            return new PendingDocs(0, 0, List.of(), new long[0], new byte[0]);
        }

        @Override
        public void serialize(PendingDocs pending, DataOutputView out) throws IOException {
            out.writeInt(pending.producer);
            out.writeLong(pending.seq);
            out.writeInt(pending.docs.size());
            for (int i = 0; i < pending.docs.size(); i++) {
                out.writeLong(pending.arrivals[i]);
                DocSerializer.INSTANCE.serialize(pending.docs.get(i), out);
            }
            out.writeInt(pending.features.length);
            out.write(pending.features);
        }

        @Override
        public PendingDocs deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            long seq = in.readLong();
            int count = in.readInt();
            List<Doc> docs = new ArrayList<>(count);
            long[] arrivals = new long[count];
            for (int i = 0; i < count; i++) {
                arrivals[i] = in.readLong();
                docs.add(DocSerializer.INSTANCE.deserialize(in));
            }
            byte[] features = new byte[in.readInt()];
            in.readFully(features);
            return new PendingDocs(producer, seq, docs, arrivals, features);
        }

        @Override
        public TypeSerializerSnapshot<PendingDocs> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    public static final class Snapshot extends SimpleTypeSerializerSnapshot<PendingDocs> {
        public Snapshot() {
            super(() -> Serializer.INSTANCE);
        }
    }
}
