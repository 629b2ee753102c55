package io.tandem.doc;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Base of the serializers of records that hold documents (the pending documents of a batch, a
 * result): the documents go through a nested document serializer, which carries the job's
 * registered attribute types, so the record's serializer is configured by that one alone.
 * Subclasses write and read their own fields and say how to make themselves around another document
 * serializer.
 */
public abstract class DocHoldingSerializer<T> extends TypeSerializer<T> {
    private static final long serialVersionUID = 1L;

    protected final TypeSerializer<Doc> docs;

    protected DocHoldingSerializer(TypeSerializer<Doc> docs) {
        this.docs = docs;
    }

    /** This serializer around {@code docs}. */
    protected abstract DocHoldingSerializer<T> withDocs(TypeSerializer<Doc> docs);

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<T> duplicate() {
        TypeSerializer<Doc> duplicate = docs.duplicate();
        return duplicate == docs ? this : withDocs(duplicate);
    }

    @Override
    public T copy(T from, T reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public T deserialize(T reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    @Override
    public boolean equals(Object o) {
        return o != null
                && o.getClass() == getClass()
                && ((DocHoldingSerializer<?>) o).docs.equals(docs);
    }

    @Override
    public int hashCode() {
        return 31 * getClass().hashCode() + docs.hashCode();
    }
}
