package io.tandem.records;

import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordSerializerSnapshot;
import io.tandem.serialization.RecordTypeInfo;
import io.tandem.serialization.WireFormat;
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
 * The outputs of one forward pass on their way back to the producer that made the batch. {@code
 * device} is the GPU index that ran it ({@code -1} for the CPU); {@code error} is set, and the
 * outputs empty, when the forward pass threw: the batch's documents then become dead letters
 * instead of failing the job.
 */
@TypeInfo(OutputBatch.TypeFactory.class)
public record OutputBatch(int producer, long seq, int device, TensorMap outputs, String error) {

    public static OutputBatch failed(int producer, long seq, int device, Throwable error) {
        return new OutputBatch(
                producer,
                seq,
                device,
                TensorMap.of(),
                error.getClass().getName() + ": " + error.getMessage());
    }

    public boolean failed() {
        return error != null;
    }

    public static final class TypeFactory extends TypeInfoFactory<OutputBatch> {
        @Override
        public TypeInformation<OutputBatch> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> p) {
            return new RecordTypeInfo<>(OutputBatch.class, config -> Serializer.INSTANCE);
        }
    }

    public static final class Serializer extends RecordSerializer<OutputBatch> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** The wire format this build writes. */
        public static final int FORMAT_VERSION = 1;

        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public OutputBatch copy(OutputBatch from) {
            return from;
        }

        @Override
        public OutputBatch createInstance() {
            return new OutputBatch(0, 0, -1, TensorMap.of(), null);
        }

        @Override
        public void serialize(OutputBatch batch, DataOutputView out) throws IOException {
            out.writeInt(batch.producer);
            out.writeLong(batch.seq);
            out.writeInt(batch.device);
            TensorMapSerializer.write(batch.outputs, out);
            WireFormat.writeNullableString(batch.error, out);
        }

        @Override
        public OutputBatch deserialize(DataInputView in) throws IOException {
            return new OutputBatch(
                    in.readInt(),
                    in.readLong(),
                    in.readInt(),
                    TensorMapSerializer.read(in),
                    WireFormat.readNullableString(in));
        }

        @Override
        public TypeSerializerSnapshot<OutputBatch> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /** Version {@value Serializer#FORMAT_VERSION}; see {@link RecordSerializerSnapshot}. */
    public static final class Snapshot extends RecordSerializerSnapshot<OutputBatch> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION, version -> Serializer.INSTANCE);
        }
    }
}
