package io.tandem.doc;

import io.tandem.serialization.CompositeRecordSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/**
 * The snapshot of a {@link DocHoldingSerializer}: the record's format version, and the documents'
 * serializer as a nested snapshot.
 */
public abstract class DocHoldingSnapshot<T, S extends DocHoldingSerializer<T>>
        extends CompositeRecordSnapshot<T, S> {

    /** For Flink, which then reads the fields. */
    protected DocHoldingSnapshot(int currentFormatVersion) {
        super(currentFormatVersion);
    }

    protected DocHoldingSnapshot(int currentFormatVersion, S serializer) {
        super(currentFormatVersion, serializer);
    }

    /** The serializer around {@code docs}. */
    protected abstract S serializer(TypeSerializer<Doc> docs);

    @Override
    protected final TypeSerializer<?>[] getNestedSerializers(S outer) {
        return new TypeSerializer<?>[] {outer.docs};
    }

    @Override
    @SuppressWarnings("unchecked")
    protected final S createOuterSerializerWithNestedSerializers(TypeSerializer<?>[] nested) {
        return serializer((TypeSerializer<Doc>) nested[0]);
    }
}
