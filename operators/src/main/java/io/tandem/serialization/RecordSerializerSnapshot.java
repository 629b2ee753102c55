package io.tandem.serialization;

import java.io.IOException;
import java.util.function.IntFunction;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Snapshot of a record serializer without configuration: its version is the version of the record's
 * wire format, and it stores nothing else.
 *
 * <p>Changing a wire format: increment the format version, keep a reader of every older version,
 * and return it from the snapshot's readers for that version. A snapshot of an older version then
 * resolves to "compatible after migration": Flink reads old state with the old reader and writes it
 * back in the new format. A version outside 1 to the current one fails the restore, naming it.
 */
public abstract class RecordSerializerSnapshot<T> implements TypeSerializerSnapshot<T> {
    private final int currentFormatVersion;
    private final IntFunction<? extends TypeSerializer<T>> readers;
    private int formatVersion;

    /**
     * For a subclass's public no-argument constructor, which Flink calls when it reads a snapshot.
     *
     * @param currentFormatVersion the version this build writes
     * @param readers the serializer that reads records written in a format version, for every
     *     version from 1 to {@code currentFormatVersion}
     */
    protected RecordSerializerSnapshot(
            int currentFormatVersion, IntFunction<? extends TypeSerializer<T>> readers) {
        this.currentFormatVersion = currentFormatVersion;
        this.readers = readers;
        this.formatVersion = currentFormatVersion;
    }

    /** The version this build writes. */
    protected final int currentFormatVersion() {
        return currentFormatVersion;
    }

    /** The format version of the records this snapshot describes. */
    public int formatVersion() {
        return formatVersion;
    }

    @Override
    public int getCurrentVersion() {
        return currentFormatVersion();
    }

    @Override
    public void writeSnapshot(DataOutputView out) {
        // The version, written by Flink in front of the snapshot, is all there is.
    }

    @Override
    public void readSnapshot(int readVersion, DataInputView in, ClassLoader classLoader)
            throws IOException {
        formatVersion = checkReadable(getClass(), readVersion, currentFormatVersion());
    }

    @Override
    public TypeSerializer<T> restoreSerializer() {
        return readers.apply(formatVersion);
    }

    @Override
    public TypeSerializerSchemaCompatibility<T> resolveSchemaCompatibility(
            TypeSerializerSnapshot<T> oldSnapshot) {
        if (oldSnapshot == null || oldSnapshot.getClass() != getClass()) {
            return TypeSerializerSchemaCompatibility.incompatible();
        }
        return switch (FormatCompatibility.of(
                ((RecordSerializerSnapshot<T>) oldSnapshot).formatVersion, formatVersion)) {
            case AS_IS -> TypeSerializerSchemaCompatibility.compatibleAsIs();
            case AFTER_MIGRATION -> TypeSerializerSchemaCompatibility.compatibleAfterMigration();
            case INCOMPATIBLE -> TypeSerializerSchemaCompatibility.incompatible();
        };
    }

    /** Fails, naming the snapshot and both versions, on a version this build cannot read. */
    public static int checkReadable(Class<?> snapshot, int readVersion, int currentVersion)
            throws IOException {
        if (readVersion < 1 || readVersion > currentVersion) {
            throw new IOException(
                    snapshot.getName()
                            + " was written with format version "
                            + readVersion
                            + "; this build reads versions 1 to "
                            + currentVersion
                            + (readVersion > currentVersion
                                    ? " (the state comes from a newer Tandem)"
                                    : ""));
        }
        return readVersion;
    }

    @Override
    public boolean equals(Object o) {
        return o != null
                && o.getClass() == getClass()
                && ((RecordSerializerSnapshot<?>) o).formatVersion == formatVersion;
    }

    @Override
    public int hashCode() {
        return 31 * getClass().hashCode() + formatVersion;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(format version " + formatVersion + ")";
    }
}
