package io.tandem.serialization;

import java.io.IOException;
import org.apache.flink.api.common.typeutils.CompositeTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;

/**
 * Snapshot of a serializer with nested serializers (documents, pending documents): the outer
 * version is the record's format version, read and resolved by {@link FormatCompatibility}, as for
 * {@link RecordSerializerSnapshot}; Flink resolves the nested snapshots by their own rules.
 */
public abstract class CompositeRecordSnapshot<T, S extends TypeSerializer<T>>
        extends CompositeTypeSerializerSnapshot<T, S> {
    private final int currentFormatVersion;
    private int formatVersion;

    /** For Flink, which then reads the fields with {@link #readOuterSnapshot}. */
    protected CompositeRecordSnapshot(int currentFormatVersion) {
        this.currentFormatVersion = currentFormatVersion;
        this.formatVersion = currentFormatVersion;
    }

    protected CompositeRecordSnapshot(int currentFormatVersion, S serializer) {
        super(serializer);
        this.currentFormatVersion = currentFormatVersion;
        this.formatVersion = currentFormatVersion;
    }

    /** The format version of the records this snapshot describes. */
    public int formatVersion() {
        return formatVersion;
    }

    @Override
    protected final int getCurrentOuterSnapshotVersion() {
        return currentFormatVersion;
    }

    @Override
    protected final void readOuterSnapshot(int version, DataInputView in, ClassLoader classLoader)
            throws IOException {
        formatVersion =
                RecordSerializerSnapshot.checkReadable(getClass(), version, currentFormatVersion);
        readOuterFields(in, classLoader);
    }

    /** Reads what {@code writeOuterSnapshot} wrote; nothing by default. */
    protected void readOuterFields(DataInputView in, ClassLoader classLoader) throws IOException {}

    /**
     * Whether the old snapshot's outer configuration is covered by this one's (e.g. every
     * registered type still registered); true by default.
     */
    protected boolean coversOuterConfiguration(CompositeRecordSnapshot<T, S> old) {
        return true;
    }

    @Override
    @SuppressWarnings("unchecked")
    protected final OuterSchemaCompatibility resolveOuterSchemaCompatibility(
            TypeSerializerSnapshot<T> oldSnapshot) {
        if (oldSnapshot == null
                || oldSnapshot.getClass() != getClass()
                || !coversOuterConfiguration((CompositeRecordSnapshot<T, S>) oldSnapshot)) {
            return OuterSchemaCompatibility.INCOMPATIBLE;
        }
        return switch (FormatCompatibility.of(
                ((CompositeRecordSnapshot<T, S>) oldSnapshot).formatVersion, formatVersion)) {
            case AS_IS -> OuterSchemaCompatibility.COMPATIBLE_AS_IS;
            case AFTER_MIGRATION -> OuterSchemaCompatibility.COMPATIBLE_AFTER_MIGRATION;
            case INCOMPATIBLE -> OuterSchemaCompatibility.INCOMPATIBLE;
        };
    }
}
