package io.tandem.records;

import io.tandem.dispatch.BatchKey;
import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordSerializerSnapshot;
import io.tandem.serialization.RecordTypeInfo;
import io.tandem.tensor.TensorMap;
import io.tandem.tensor.TensorMapSerializer;
import java.io.IOException;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A collated batch on its way from producer subtask {@code producer} (of {@code producers}) to an
 * inference subtask: only tensors travel, the documents stay on the CPU side. {@code seq} is the
 * producer's batch number; the dispatch partitioner routes by (producer, seq).
 */
@TypeInfo(TensorBatch.TypeFactory.class)
public record TensorBatch(int producer, int producers, long seq, TensorMap tensors) {

    /** The dispatch partitioner's routing key. */
    public BatchKey key() {
        return new BatchKey(producer, producers, seq);
    }

    public static final class TypeFactory extends TypeInfoFactory<TensorBatch> {
        @Override
        public TypeInformation<TensorBatch> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> p) {
            return new RecordTypeInfo<>(TensorBatch.class, config -> Serializer.INSTANCE);
        }
    }

    public static final class Serializer extends RecordSerializer<TensorBatch> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** The wire format this build writes. */
        public static final int FORMAT_VERSION = 1;

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public TensorBatch copy(TensorBatch from) {
            return from;
        }

        @Override
        public TensorBatch createInstance() {
            return new TensorBatch(0, 1, 0, TensorMap.of());
        }

        @Override
        public void serialize(TensorBatch batch, DataOutputView out) throws IOException {
            out.writeInt(batch.producer);
            out.writeInt(batch.producers);
            out.writeLong(batch.seq);
            TensorMapSerializer.write(batch.tensors, out);
        }

        @Override
        public TensorBatch deserialize(DataInputView in) throws IOException {
            return new TensorBatch(
                    in.readInt(), in.readInt(), in.readLong(), TensorMapSerializer.read(in));
        }

        @Override
        public TypeSerializerSnapshot<TensorBatch> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Version {@value Serializer#FORMAT_VERSION}; see {@link RecordSerializerSnapshot}. */
    public static final class Snapshot extends RecordSerializerSnapshot<TensorBatch> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION, version -> Serializer.INSTANCE);
        }
    }
}
