package io.tandem.results;

import io.tandem.doc.Doc;
import io.tandem.doc.DocHoldingSerializer;
import io.tandem.doc.DocHoldingSnapshot;
import io.tandem.doc.DocSerializer;
import io.tandem.doc.SourcePosition;
import io.tandem.serialization.RecordTypeFactory;
import io.tandem.serialization.WireFormat;
import java.io.IOException;
import org.apache.flink.api.common.typeinfo.TypeInfo;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * What the operators emit for each input record: the processed document, or its dead letter.
 * Formats are the sinks' business (JSON Lines, Kafka, Parquet), so a downstream Flink operator gets
 * the document itself. {@link #seq} is the source's sequence number, by which an ordered sink
 * restores input order.
 */
@TypeInfo(Result.TypeFactory.class)
public record Result(Doc doc, DeadLetter deadLetter) {

    public Result {
        if ((doc == null) == (deadLetter == null)) {
            throw new IllegalArgumentException(
                    "A result is a document or a dead letter, exactly one of them");
        }
    }

    public static Result output(Doc doc) {
        return new Result(doc, null);
    }

    public static Result deadLetter(DeadLetter deadLetter) {
        return new Result(null, deadLetter);
    }

    public boolean isDeadLetter() {
        return deadLetter != null;
    }

    public long seq() {
        return doc != null ? doc.seq() : deadLetter.seq();
    }

    /** The document's id (a Kafka record key), or null for a record that never parsed. */
    public String key() {
        return doc != null ? doc.id() : deadLetter.docId();
    }

    @Override
    public String toString() {
        return doc != null ? "Output#" + doc.seq() + " " + doc.id() : deadLetter.toString();
    }

    public static final class TypeFactory extends RecordTypeFactory<Result> {
        public TypeFactory() {
            super(Result.class, config -> new Serializer(new DocSerializer(config)));
        }
    }

    /**
     * A tag byte (0 document, 1 dead letter), then the document through the nested {@link
     * DocSerializer}, or the dead letter's fields.
     */
    public static final class Serializer extends DocHoldingSerializer<Result> {
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

        private static final Stage[] STAGES = Stage.values();

        public Serializer(TypeSerializer<Doc> docs) {
            super(docs);
        }

        @Override
        protected Serializer withDocs(TypeSerializer<Doc> docs) {
            return new Serializer(docs);
        }

        @Override
        public Result createInstance() {
            return Result.output(docs.createInstance());
        }

        @Override
        public Result copy(Result from) {
            // A dead letter is immutable but for its raw bytes, which nothing writes to.
            return from.doc == null ? from : Result.output(docs.copy(from.doc));
        }

        @Override
        public void serialize(Result result, DataOutputView out) throws IOException {
            if (result.doc != null) {
                out.writeByte(0);
                docs.serialize(result.doc, out);
                return;
            }
            DeadLetter d = result.deadLetter;
            out.writeByte(1);
            out.writeLong(d.seq());
            WireFormat.writeString(d.source().origin(), out);
            WireFormat.writeSignedVarInt(d.source().partition(), out);
            out.writeLong(d.source().position());
            out.writeByte(d.stage().ordinal());
            WireFormat.writeString(d.reason(), out);
            WireFormat.writeString(d.errorClass(), out);
            WireFormat.writeVarInt(d.raw().length, out);
            out.write(d.raw());
            WireFormat.writeVarInt(d.rawBytes(), out);
            WireFormat.writeNullableString(d.docId(), out);
            WireFormat.writeNullableString(d.metaJson(), out);
            WireFormat.writeNullableString(d.model(), out);
            out.writeLong(d.batch());
            WireFormat.writeSignedVarInt(d.device(), out);
        }

        @Override
        public Result deserialize(DataInputView in) throws IOException {
            byte tag = in.readByte();
            if (tag == 0) {
                return Result.output(docs.deserialize(in));
            }
            if (tag != 1) {
                throw new IOException("Unknown result tag " + tag + ", expected 0 or 1");
            }
            long seq = in.readLong();
            SourcePosition source =
                    new SourcePosition(
                            WireFormat.readString(in),
                            WireFormat.readSignedVarInt(in),
                            in.readLong());
            Stage stage = STAGES[in.readByte()];
            String reason = WireFormat.readString(in);
            String errorClass = WireFormat.readString(in);
            byte[] raw = new byte[WireFormat.readVarInt(in)];
            in.readFully(raw);
            return Result.deadLetter(
                    new DeadLetter(
                            seq,
                            source,
                            stage,
                            reason,
                            errorClass,
                            raw,
                            WireFormat.readVarInt(in),
                            WireFormat.readNullableString(in),
                            WireFormat.readNullableString(in),
                            WireFormat.readNullableString(in),
                            in.readLong(),
                            WireFormat.readSignedVarInt(in)));
        }

        @Override
        public TypeSerializerSnapshot<Result> snapshotConfiguration() {
            return new Snapshot(this);
        }
    }

    /** Format version {@value Serializer#FORMAT_VERSION}, and the documents' nested snapshot. */
    public static final class Snapshot extends DocHoldingSnapshot<Result, Serializer> {
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
