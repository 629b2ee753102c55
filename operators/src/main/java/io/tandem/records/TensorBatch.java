package io.tandem.records;

import io.tandem.dispatch.BatchKey;
import io.tandem.serialization.OldFormatReader;
import io.tandem.serialization.RecordSerializer;
import io.tandem.serialization.RecordSerializerSnapshot;
import io.tandem.serialization.RecordTypeFactory;
import io.tandem.serialization.WireFormat;
import io.tandem.tensor.TensorMap;
import io.tandem.tensor.TensorMapSerializer;
import java.io.IOException;
import java.util.Arrays;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * A collated batch on its way from producer subtask {@code producer} (of {@code producers}) to an
 * inference subtask: only tensors travel, the documents stay on the CPU side. {@code seq} is the
 * producer's batch number; the dispatch partitioner routes by (producer, seq). {@code docRows}
 * gives each document's rows of the batch axis, in order, so that the inference subtask can split a
 * failing batch between documents.
 */
@TypeInfo(TensorBatch.TypeFactory.class)
public record TensorBatch(int producer, int producers, long seq, TensorMap tensors, int[] docRows) {

    public TensorBatch {
        Objects.requireNonNull(tensors, "tensors");
        Objects.requireNonNull(docRows, "docRows");
    }

    /** The dispatch partitioner's routing key. */
    public BatchKey key() {
        return new BatchKey(producer, producers, seq);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorBatch b
                && b.producer == producer
                && b.producers == producers
                && b.seq == seq
                && b.tensors.equals(tensors)
                && Arrays.equals(b.docRows, docRows);
    }

    @Override
    public int hashCode() {
        return Objects.hash(producer, producers, seq, tensors, Arrays.hashCode(docRows));
    }

    @Override
    public String toString() {
        return "TensorBatch[producer="
                + producer
                + "/"
                + producers
                + ", seq="
                + seq
                + ", documents="
                + docRows.length
                + ", "
                + tensors
                + "]";
    }

    public static final class TypeFactory extends RecordTypeFactory<TensorBatch> {
        public TypeFactory() {
            super(TensorBatch.class, config -> Serializer.INSTANCE);
        }
    }

    /** Version 2: the header, the tensors, then each document's row count. */
    public static final class Serializer extends RecordSerializer<TensorBatch> {
        private static final long serialVersionUID = 1L;
        public static final Serializer INSTANCE = new Serializer();

        /** The wire format this build writes. */
        public static final int FORMAT_VERSION = 2;

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
            return new TensorBatch(0, 1, 0, TensorMap.of(), new int[0]);
        }

        @Override
        public void serialize(TensorBatch batch, DataOutputView out) throws IOException {
            out.writeInt(batch.producer);
            out.writeInt(batch.producers);
            out.writeLong(batch.seq);
            TensorMapSerializer.write(batch.tensors, out);
            WireFormat.writeVarInt(batch.docRows.length, out);
            for (int rows : batch.docRows) {
                WireFormat.writeVarInt(rows, out);
            }
        }

        @Override
        public TensorBatch deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            int producers = in.readInt();
            long seq = in.readLong();
            TensorMap tensors = TensorMapSerializer.read(in);
            int[] docRows = new int[WireFormat.readVarInt(in)];
            for (int i = 0; i < docRows.length; i++) {
                docRows[i] = WireFormat.readVarInt(in);
            }
            return new TensorBatch(producer, producers, seq, tensors, docRows);
        }

        @Override
        public TypeSerializerSnapshot<TensorBatch> snapshotConfiguration() {
            return new Snapshot();
        }
    }

    /**
     * Reads version 1, which had no row counts: the batch then counts as one document of all its
     * rows, so a failure fails it whole, as version 1 did.
     */
    static final class Version1Reader extends OldFormatReader<TensorBatch> {
        private static final long serialVersionUID = 1L;
        static final Version1Reader INSTANCE = new Version1Reader();

        private Version1Reader() {
            super(1, Serializer.INSTANCE);
        }

        @Override
        public TensorBatch deserialize(DataInputView in) throws IOException {
            int producer = in.readInt();
            int producers = in.readInt();
            long seq = in.readLong();
            TensorMap tensors = TensorMapSerializer.read(in);
            int rows = tensors.size() == 0 ? 0 : (int) tensors.tensors().get(0).dim(0);
            return new TensorBatch(producer, producers, seq, tensors, new int[] {rows});
        }
    }

    /** Version {@value Serializer#FORMAT_VERSION}, and a reader of version 1. */
    public static final class Snapshot extends RecordSerializerSnapshot<TensorBatch> {
        public Snapshot() {
            super(Serializer.FORMAT_VERSION, Snapshot::reader);
        }

        private static TypeSerializer<TensorBatch> reader(int version) {
            return version == 1 ? Version1Reader.INSTANCE : Serializer.INSTANCE;
        }
    }
}
