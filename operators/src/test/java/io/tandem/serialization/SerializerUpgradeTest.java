package io.tandem.serialization;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.DocSerializer;
import io.tandem.records.PendingDocs;
import io.tandem.records.TensorBatch;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSchemaCompatibility;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.core.memory.DataOutputView;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Snapshots and records written by a format version (the committed fixtures) still read with this
 * build, and this build writes the same bytes. If the byte comparison fails, the wire format
 * changed: bump the format version, keep a reader of the old one, write the new fixtures ({@link
 * SerializerFixtures}) and keep the old files.
 */
class SerializerUpgradeTest {
    private static final ClassLoader CLASS_LOADER = SerializerUpgradeTest.class.getClassLoader();

    static Stream<SerializerFixtures.Fixture<?>> fixtures() {
        return SerializerFixtures.current().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    <T> void theCommittedSnapshotIsCompatibleAsIsAndItsRecordsRead(
            SerializerFixtures.Fixture<T> fixture) throws IOException {
        TypeSerializerSnapshot<T> committed =
                TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                        new DataInputDeserializer(resource(fixture.fileName("snapshot"))),
                        CLASS_LOADER);
        TypeSerializerSchemaCompatibility<T> compatibility =
                fixture.serializer().snapshotConfiguration().resolveSchemaCompatibility(committed);
        assertTrue(compatibility.isCompatibleAsIs(), fixture.name() + ": " + compatibility);

        TypeSerializer<T> restored = committed.restoreSerializer();
        DataInputDeserializer in = new DataInputDeserializer(resource(fixture.fileName("data")));
        int count = in.readInt();
        List<T> read = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            read.add(restored.deserialize(in));
        }
        assertEquals(0, in.available(), "trailing bytes");
        assertEquals(
                fixture.records().size(), read.size(), fixture.name() + ": records in the fixture");
        // Records as the current serializer writes them: the same bytes as the fixture's.
        assertArrayEquals(
                resource(fixture.fileName("data")),
                SerializerFixtures.recordBytes(fixture.serializer(), read),
                fixture.name() + ": the records read back write different bytes");
        assertArrayEquals(
                resource(fixture.fileName("data")),
                SerializerFixtures.recordBytes(fixture.serializer(), fixture.records()),
                fixture.name()
                        + ": this build writes another format than version "
                        + fixture.version()
                        + " (bump the version and add fixtures)");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    <T> void aSnapshotWrittenNowReadsBackCompatibleAsIs(SerializerFixtures.Fixture<T> fixture)
            throws IOException {
        TypeSerializerSnapshot<T> restored =
                TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                        new DataInputDeserializer(
                                SerializerFixtures.snapshotBytes(fixture.serializer())),
                        CLASS_LOADER);
        assertTrue(
                fixture.serializer()
                        .snapshotConfiguration()
                        .resolveSchemaCompatibility(restored)
                        .isCompatibleAsIs());
        assertEquals(fixture.serializer(), restored.restoreSerializer());
    }

    @Test
    void aSnapshotFromANewerFormatIsRefusedNamingTheVersions() throws IOException {
        byte[] newer =
                versionedSnapshot(
                        TensorBatch.Snapshot.class, TensorBatch.Serializer.FORMAT_VERSION + 1);
        IOException error =
                assertThrows(
                        IOException.class,
                        () ->
                                TypeSerializerSnapshot.readVersionedSnapshot(
                                        new DataInputDeserializer(newer), CLASS_LOADER));
        assertTrue(
                error.getMessage()
                        .contains("format version " + (TensorBatch.Serializer.FORMAT_VERSION + 1)),
                error.getMessage());
        assertTrue(error.getMessage().contains("newer Tandem"), error.getMessage());
    }

    @Test
    void aDocSnapshotWithFewerRegisteredTypesIsCompatibleButNotOneWithMore() throws IOException {
        DocSerializer plain = new DocSerializer(new SerializerConfigImpl());
        DocSerializer withDosage =
                new DocSerializer(DocSerializerWithAttributeTypesTest.configWithDosage());
        TypeSerializerSnapshot<Doc> oldWithDosage = writeAndRead(withDosage);
        // State that may hold dosages cannot be read by a serializer that knows none.
        assertTrue(
                plain.snapshotConfiguration()
                        .resolveSchemaCompatibility(oldWithDosage)
                        .isIncompatible());
        TypeSerializerSchemaCompatibility<Doc> added =
                withDosage.snapshotConfiguration().resolveSchemaCompatibility(writeAndRead(plain));
        assertTrue(!added.isIncompatible(), added.toString());
    }

    @Test
    void pendingDocsNestTheDocumentSerializersSnapshot() throws IOException {
        PendingDocs.Serializer serializer =
                new PendingDocs.Serializer(
                        new DocSerializer(DocSerializerWithAttributeTypesTest.configWithDosage()));
        PendingDocs.Snapshot snapshot = (PendingDocs.Snapshot) writeAndRead(serializer);
        assertEquals(1, snapshot.getNestedSerializerSnapshots().length);
        assertNotNull(snapshot.getNestedSerializerSnapshots()[0]);
        assertEquals(serializer, snapshot.restoreSerializer());
    }

    /**
     * Document format 2 added vectors, format 3 sentence and document attributes: the committed
     * version 1 and 2 snapshots of documents, and of the records that nest them, resolve to
     * migration and read their records to the end.
     */
    @ParameterizedTest(name = "{0} v{1}")
    @org.junit.jupiter.params.provider.CsvSource({
        "doc, 1", "doc-with-attribute-types, 1", "pending-docs, 1", "result, 1",
        "doc, 2", "doc-with-attribute-types, 2", "pending-docs, 2", "result, 2"
    })
    void olderDocumentFixturesStillReadAfterTheFormatGrew(String name, int version)
            throws IOException {
        SerializerFixtures.Fixture<?> current =
                SerializerFixtures.current().stream()
                        .filter(f -> f.name().equals(name))
                        .findFirst()
                        .orElseThrow();
        readsOlderVersion(current, version);
    }

    private static <T> void readsOlderVersion(SerializerFixtures.Fixture<T> current, int version)
            throws IOException {
        String name = current.name();
        TypeSerializerSnapshot<T> old =
                TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                        new DataInputDeserializer(resource(name + ".v" + version + ".snapshot")),
                        CLASS_LOADER);
        TypeSerializerSchemaCompatibility<T> compatibility =
                current.serializer().snapshotConfiguration().resolveSchemaCompatibility(old);
        assertTrue(compatibility.isCompatibleAfterMigration(), name + ": " + compatibility);
        TypeSerializer<T> reader = old.restoreSerializer();
        DataInputDeserializer in =
                new DataInputDeserializer(resource(name + ".v" + version + ".data"));
        int count = in.readInt();
        for (int i = 0; i < count; i++) {
            assertNotNull(reader.deserialize(in));
        }
        assertEquals(0, in.available(), name + ": trailing bytes");
    }

    /**
     * The version bump path on a testing record: version 2 keeps a reader of version 1, so a
     * version-1 snapshot resolves to "compatible after migration" and restores the old reader.
     */
    @Test
    void anOlderFormatResolvesToMigrationThroughItsKeptReader() throws IOException {
        TypeSerializerSnapshot<TensorBatch> old =
                TypeSerializerSnapshot.readVersionedSnapshot(
                        new DataInputDeserializer(
                                versionedSnapshot(TestingEvolvedSnapshot.class, 1)),
                        CLASS_LOADER);
        TypeSerializerSchemaCompatibility<TensorBatch> compatibility =
                new TestingEvolvedSnapshot().resolveSchemaCompatibility(old);
        assertTrue(compatibility.isCompatibleAfterMigration(), compatibility.toString());
        assertEquals(1, ((TestingEvolvedSnapshot) old).formatVersion());
        assertEquals(TestingEvolvedSnapshot.V1_READER, old.restoreSerializer());
        assertEquals(
                TensorBatch.Serializer.INSTANCE, new TestingEvolvedSnapshot().restoreSerializer());
    }

    /** A record serializer snapshot at version 2 that keeps a reader of version 1. */
    public static final class TestingEvolvedSnapshot extends RecordSerializerSnapshot<TensorBatch> {
        static final TypeSerializer<TensorBatch> V1_READER = new TestingV1Reader();

        public TestingEvolvedSnapshot() {
            super(2, version -> version == 1 ? V1_READER : TensorBatch.Serializer.INSTANCE);
        }
    }

    /** Stands for the reader of the old format a version bump keeps. */
    static final class TestingV1Reader extends RecordSerializer<TensorBatch> {
        @Override
        public boolean isImmutableType() {
            return true;
        }

        @Override
        public TensorBatch createInstance() {
            return TensorBatch.Serializer.INSTANCE.createInstance();
        }

        @Override
        public TensorBatch copy(TensorBatch from) {
            return from;
        }

        @Override
        public void serialize(TensorBatch record, DataOutputView out) {
            throw new UnsupportedOperationException("only reads the old format");
        }

        @Override
        public TensorBatch deserialize(DataInputView in) throws IOException {
            return TensorBatch.Serializer.INSTANCE.deserialize(in);
        }

        @Override
        public TypeSerializerSnapshot<TensorBatch> snapshotConfiguration() {
            return new TestingEvolvedSnapshot();
        }
    }

    /** What Flink writes for a snapshot: its class name, its version, its (here empty) body. */
    private static byte[] versionedSnapshot(Class<?> snapshotClass, int version)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(64);
        out.writeUTF(snapshotClass.getName());
        out.writeInt(version);
        return out.getCopyOfBuffer();
    }

    private static <T> TypeSerializerSnapshot<T> writeAndRead(TypeSerializer<T> serializer)
            throws IOException {
        return readSnapshot(SerializerFixtures.snapshotBytes(serializer));
    }

    private static <T> TypeSerializerSnapshot<T> readSnapshot(byte[] bytes) throws IOException {
        return TypeSerializerSnapshotSerializationUtil.readSerializerSnapshot(
                new DataInputDeserializer(bytes), CLASS_LOADER);
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = SerializerUpgradeTest.class.getResourceAsStream("fixtures/" + name)) {
            if (in == null) {
                throw new IOException(
                        "Missing fixture fixtures/"
                                + name
                                + "; write it with SerializerFixtures.main");
            }
            return in.readAllBytes();
        }
    }
}
