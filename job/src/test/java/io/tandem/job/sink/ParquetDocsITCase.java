package io.tandem.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A document's vectors and attributes reach the Parquet output, read back with parquet-mr's generic
 * records.
 */
class ParquetDocsITCase {
    @RegisterExtension static final MiniClusterExtension MINI_CLUSTER = new MiniClusterExtension();

    @TempDir Path dir;

    @Test
    void vectorsAndAttributesAreWrittenAndDocumentsWithoutThemHaveNone() throws Exception {
        Doc embedded = new Doc("a", "no fever", 0, null, null);
        embedded.entities().add(new Span(3, 8, "SYMPTOM", "terms"));
        embedded.vectors().put("minilm", new float[] {0.25f, -1.5f, 3f});
        embedded.vectors().put("other", new float[] {1f});
        embedded.attributes().put("note_type", "triage");
        embedded.attributes().put("note_type_score", 0.875);
        Doc plain = new Doc("b", "cough", 1, null, null);

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.fromData(TypeInformation.of(Doc.class), embedded, plain)
                .setParallelism(1)
                .sinkTo(ParquetDocs.sink(dir))
                .setParallelism(1);
        env.execute("parquet-vectors");

        Map<String, String> vectors = new TreeMap<>();
        Map<String, String> attributes = new TreeMap<>();
        for (Group row : ParquetParts.records(dir)) {
            vectors.put(row.getString("id", 0), vectors(row));
            attributes.put(
                    row.getString("id", 0),
                    row.getFieldRepetitionCount("attributes") == 0
                            ? ""
                            : row.getString("attributes", 0));
        }
        assertEquals(Map.of("a", "minilm=[0.25, -1.5, 3.0] other=[1.0] ", "b", ""), vectors);
        assertEquals(
                Map.of("a", "{\"note_type\":\"triage\",\"note_type_score\":0.875}", "b", ""),
                attributes);
    }

    private static String vectors(Group row) {
        if (row.getFieldRepetitionCount("vectors") == 0) {
            return "";
        }
        Group map = row.getGroup("vectors", 0);
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < map.getFieldRepetitionCount("key_value"); i++) {
            Group entry = map.getGroup("key_value", i);
            Group list = entry.getGroup("value", 0);
            StringBuilder values = new StringBuilder("[");
            for (int j = 0; j < list.getFieldRepetitionCount("list"); j++) {
                values.append(j == 0 ? "" : ", ")
                        .append(list.getGroup("list", j).getFloat("element", 0));
            }
            out.append(entry.getString("key", 0)).append('=').append(values).append("] ");
        }
        return out.toString();
    }
}
