package io.tandem.records;

import io.tandem.serialization.OldFormatReader;
import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordSerializerSnapshot;
import io.tandem.serialization.RecordTypeFactory;
import io.tandem.serialization.WireFormat;
import io.tandem.tensor.TensorMap;
import io.tandem.tensor.TensorMapSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The outputs of one forward pass on their way back to the producer that made the batch. {@code
 * device} is the GPU index that ran it ({@code -1} for the CPU).
 *
 * <p>When the batch failed, the inference subtask split it until the failing documents stood alone:
 * {@code failures} names them (by their index in the batch) with their errors, and {@code outputs}
 * holds the rows of the other documents, in batch order. {@code extraForwards} counts the forward
 * passes that splitting took beyond the first, {@code allocationFailures} the attempts that failed
 * for want of memory, which make the producer's batches smaller.
 */
@TypeInfo(OutputBatch.TypeFactory.class)
public record OutputBatch(
        int producer,
        long seq,
        int device,
        TensorMap outputs,
        List<DocFailure> failures,
        int extraForwards,
        int allocationFailures) {

    /** Document {@code doc} of the batch failed; {@link #EVERY_DOCUMENT} stands for all of them. */
    public record DocFailure(int doc, String errorClass, String message) {
        public static final int EVERY_DOCUMENT = -1;

        public DocFailure {
            Objects.requireNonNull(errorClass, "errorClass");
            Objects.requireNonNull(message, "message");
        }

        public static DocFailure of(int doc, Throwable error) {
            return new DocFailure(
                    doc,
                    error.getClass().getName(),
                    error.getMessage() == null ? error.toString() : error.getMessage());
        }
    }

    public OutputBatch {
        Objects.requireNonNull(outputs, "outputs");
        failures = List.copyOf(failures);
    }

    /** Every document's outputs, nothing failed. */
    public static OutputBatch succeeded(int producer, long seq, int device, TensorMap outputs) {
        return new OutputBatch(producer, seq, device, outputs, List.of(), 0, 0);
    }

    /** The whole batch failed with {@code error}. */
    public static OutputBatch failed(int producer, long seq, int device, Throwable error) {
        return new OutputBatch(
                producer,
                seq,
                device,
                TensorMap.of(),
                List.of(DocFailure.of(DocFailure.EVERY_DOCUMENT, error)),
                0,
                0);
    }

    /** Whether any document failed. */
    public boolean failed() {
        return !failures.isEmpty();
    }

    public static final class TypeFactory extends RecordTypeFactory<OutputBatch> {
        public TypeFactory() {
            super(OutputBatch.class, config -> Serializer.INSTANCE);
        }
    }

    /** Version 2: the header, the outputs, the failures, the two counts. */
    public static final class Serializer extends RecordSerializer<OutputBatch> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** The wire format this build writes. */
        public static final int FORMAT_VERSION = 2;

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
            return succeeded(0, 0, -1, TensorMap.of());
        }

        @Override
        public void serialize(OutputBatch batch, DataOutputView out) throws IOException {
            out.writeInt(batch.producer);
            out.writeLong(batch.seq);
            out.writeInt(batch.device);
            TensorMapSerializer.write(batch.outputs, out);
            WireFormat.writeVarInt(batch.failures.size(), out);
            for (DocFailure failure : batch.failures) {
                WireFormat.writeSignedVarInt(failure.doc(), out);
                WireFormat.writeString(failure.errorClass(), out);
                WireFormat.writeString(failure.message(), out);
            }
            WireFormat.writeVarInt(batch.extraForwards, out);
            WireFormat.writeVarInt(batch.allocationFailures, out);
        }

        @Override
        public OutputBatch deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            long seq = in.readLong();
            int device = in.readInt();
            TensorMap outputs = TensorMapSerializer.read(in);
            int count = WireFormat.readVarInt(in);
            List<DocFailure> failures = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                failures.add(
                        new DocFailure(
                                WireFormat.readSignedVarInt(in),
                                WireFormat.readString(in),
                                WireFormat.readString(in)));
            }
            return new OutputBatch(
                    producer,
                    seq,
                    device,
                    outputs,
                    failures,
                    WireFormat.readVarInt(in),
                    WireFormat.readVarInt(in));
        }

        @Override
        public TypeSerializerSnapshot<OutputBatch> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /**
     * Reads version 1, whose failure was one string ("class: message") for the whole batch: it
     * becomes a failure of every document.
     */
    static final class Version1Reader extends OldFormatReader<OutputBatch> {
        private static final long serialVersionUID = 1L;
        static final Version1Reader INSTANCE = new Version1Reader();

        private Version1Reader() {
            super(1, Serializer.INSTANCE);
        }

        @Override
        public OutputBatch deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            long seq = in.readLong();
            int device = in.readInt();
            TensorMap outputs = TensorMapSerializer.read(in);
            String error = WireFormat.readNullableString(in);
            if (error == null) {
                return succeeded(producer, seq, device, outputs);
            }
            int colon = error.indexOf(": ");
            DocFailure failure =
                    colon < 0
                            ? new DocFailure(DocFailure.EVERY_DOCUMENT, "unknown", error)
                            : new DocFailure(
                                    DocFailure.EVERY_DOCUMENT,
                                    error.substring(0, colon),
                                    error.substring(colon + 2));
            return new OutputBatch(producer, seq, device, outputs, List.of(failure), 0, 0);
        }
    }

    /** Version {@value Serializer#FORMAT_VERSION}, and a reader of version 1. */
    public static final class Snapshot extends RecordSerializerSnapshot<OutputBatch> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION, Snapshot::reader);
        }

        private static TypeSerializer<OutputBatch> reader(int version) {
            return version == 1 ? Version1Reader.INSTANCE : Serializer.INSTANCE;
        }
    }
}
