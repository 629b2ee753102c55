package io.tandem.serialization;

import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataOutputView;

/**
 * The reader of an older wire format that a version bump keeps (see {@link
 * RecordSerializerSnapshot}): it only reads; copying and new instances are the current
 * serializer's, and state it restores is written back in the current format.
 */
public abstract class OldFormatReader<T> extends RecordSerializer<T> {
    private static final long serialVersionUID = 1L;

    private final int formatVersion;
    private final TypeSerializer<T> current;

    protected OldFormatReader(int formatVersion, TypeSerializer<T> current) {
        this.formatVersion = formatVersion;
        this.current = current;
    }

    @Override
    public boolean isImmutableType() {
        return current.isImmutableType();
    }

    @Override
    public T copy(T from) {
        return current.copy(from);
    }

    @Override
    public T createInstance() {
        return current.createInstance();
    }

    @Override
    public void serialize(T record, DataOutputView out) {
        throw new UnsupportedOperationException(
                "only reads format version " + formatVersion + "; the current serializer writes");
    }

    @Override
    public TypeSerializerSnapshot<T> snapshotConfiguration() {
        return current.snapshotConfiguration();
    }
}
