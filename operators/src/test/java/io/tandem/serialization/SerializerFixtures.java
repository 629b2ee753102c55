package io.tandem.serialization;

import io.tandem.doc.Doc;
import io.tandem.doc.DocSerializer;
import io.tandem.doc.Sentence;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.TensorBatch;
import io.tandem.results.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshotSerializationUtil;
import org.apache.flink.core.memory.DataOutputSerializer;

/**
 * The committed serializer fixtures: for each record type, the serializer snapshot and some records
 * as written by one format version: {@code <name>.v<version>.snapshot} and {@code .data} under
 * {@code src/test/resources/io/tandem/serialization/fixtures/}. {@link SerializerUpgradeTest} reads
 * them with the current build.
 *
 * <p>After a format change (a version bump), write the new version's fixtures by running this
 * class's {@code main} from the operators folder, and keep the old files: they are what a job
 * restored from old state reads.
 */
public final class SerializerFixtures {
    /** One fixture: a serializer and the records it writes. */
    record Fixture<T>(String name, int version, TypeSerializer<T> serializer, List<T> records) {
        String fileName(String extension) {
            return name + ".v" + version + "." + extension;
        }
    }

    private SerializerFixtures() {}

    static List<Fixture<?>> current() {
        // Short texts keep the files small; the long-text case is DocSerializerTest's.
        List<Doc> docs = TestingRecords.handMadeDocs(300);
        List<Doc> withVectors = new ArrayList<>(docs);
        // Format 2: a document with vectors, as an embeddings component leaves it.
        Doc embedded = new Doc("embedded", "Fever and cough.", 301, null, null);
        embedded.vectors().put("embeddings", new float[] {0.25f, -0.5f, 0.75f});
        embedded.vectors().put("second", new float[] {1f});
        withVectors.add(embedded);
        // Format 3: sentence and document attributes, as classifiers leave them.
        Doc classified = new Doc("classified", "Fever. No cough.", 302, null, null);
        classified.sentences().add(new Sentence(0, 2, 0, 6, Map.of("topic", "SYMPTOM")));
        classified.sentences().add(new Sentence(2, 5, 7, 16));
        classified.attributes().put("note_type", "triage");
        classified.attributes().put("note_type_score", 0.875);
        withVectors.add(classified);
        List<Doc> withDosage = new ArrayList<>(docs);
        withDosage.add(TestingRecords.docWithDosage());
        TensorBatch[] batches = TestingRecords.tensorBatches();
        OutputBatch[] outputs = TestingRecords.outputBatches();
        return List.of(
                new Fixture<>(
                        "doc",
                        DocSerializer.FORMAT_VERSION,
                        new DocSerializer(new SerializerConfigImpl()),
                        withVectors),
                new Fixture<>(
                        "doc-with-attribute-types",
                        DocSerializer.FORMAT_VERSION,
                        new DocSerializer(DocSerializerWithAttributeTypesTest.configWithDosage()),
                        withDosage),
                // The small batches: the 32 x 128 ones would only make the files large.
                new Fixture<>(
                        "tensor-batch",
                        TensorBatch.Serializer.FORMAT_VERSION,
                        TensorBatch.Serializer.INSTANCE,
                        List.of(batches[0], batches[1], batches[3])),
                new Fixture<>(
                        "output-batch",
                        OutputBatch.Serializer.FORMAT_VERSION,
                        OutputBatch.Serializer.INSTANCE,
                        List.of(outputs[0], outputs[1], outputs[3])),
                new Fixture<>(
                        "pending-docs",
                        PendingDocs.Serializer.FORMAT_VERSION,
                        new PendingDocs.Serializer(
                                new DocSerializer(
                                        DocSerializerWithAttributeTypesTest.configWithDosage())),
                        List.of(TestingRecords.pendingDocs(docs))),
                new Fixture<>(
                        "result",
                        Result.Serializer.FORMAT_VERSION,
                        new Result.Serializer(
                                new DocSerializer(
                                        DocSerializerWithAttributeTypesTest.configWithDosage())),
                        List.of(TestingRecords.results(withDosage))));
    }

    static <T> byte[] snapshotBytes(TypeSerializer<T> serializer) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(256);
        TypeSerializerSnapshotSerializationUtil.writeSerializerSnapshot(
                out, serializer.snapshotConfiguration());
        return out.getCopyOfBuffer();
    }

    static <T> byte[] recordBytes(TypeSerializer<T> serializer, List<T> records)
            throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        out.writeInt(records.size());
        for (T record : records) {
            serializer.serialize(record, out);
        }
        return out.getCopyOfBuffer();
    }

    public static void main(String[] args) throws IOException {
        Path folder =
                Path.of(
                        args.length > 0
                                ? args[0]
                                : "src/test/resources/io/tandem/serialization/fixtures");
        Files.createDirectories(folder);
        for (Fixture<?> fixture : current()) {
            write(folder, fixture);
        }
        System.out.println("Wrote fixtures to " + folder.toAbsolutePath());
    }

    private static <T> void write(Path folder, Fixture<T> fixture) throws IOException {
        Files.write(
                folder.resolve(fixture.fileName("snapshot")), snapshotBytes(fixture.serializer()));
        Files.write(
                folder.resolve(fixture.fileName("data")),
                recordBytes(fixture.serializer(), fixture.records()));
    }
}
