package io.tandem.job.sink;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Processed documents as Parquet, one row each, written by Flink's {@link FileSink} into part files
 * of a folder (committed at checkpoints and at the end of input). Snappy-compressed, through
 * Tandem's Hadoop-free codecs. The schema ({@link #SCHEMA}) is stated in the README.
 */
public final class ParquetDocs {
    public static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message tandem_doc {"
                            + " required binary id (STRING);"
                            + " required int64 seq;"
                            + " required group entities (LIST) {"
                            + "   repeated group list {"
                            + "     required group element {"
                            + "       required int32 start;"
                            + "       required int32 end;"
                            + "       required binary label (STRING);"
                            + "       required binary text (STRING);"
                            + "       optional binary source (STRING);"
                            + "       required binary attributes (JSON);"
                            + "     }"
                            + "   }"
                            + " }"
                            + " optional binary meta (JSON);"
                            + " optional group source {"
                            + "   required binary origin (STRING);"
                            + "   required binary kind (STRING);"
                            + "   required int64 position;"
                            + " }"
                            + " optional group vectors (MAP) {"
                            + "   repeated group key_value {"
                            + "     required binary key (STRING);"
                            + "     required group value (LIST) {"
                            + "       repeated group list {"
                            + "         required float element;"
                            + "       }"
                            + "     }"
                            + "   }"
                            + " }"
                            + " optional binary attributes (JSON);"
                            + "}");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Comparator<Span> BY_POSITION =
            Comparator.comparingInt(Span::start).thenComparingInt(Span::end);

    private ParquetDocs() {}

    public static FileSink<Doc> sink(Path folder) {
        return ParquetPartFiles.sink(folder, new ParquetWriterFactory<>(ParquetDocs::writer));
    }

    static ParquetWriter<Doc> writer(OutputFile out) throws java.io.IOException {
        return ParquetPartFiles.writer(out, SCHEMA, new DocRecords());
    }

    /** Writes a {@link Doc} field by field in {@link #SCHEMA}'s order. */
    private static final class DocRecords extends ParquetPartFiles.RecordWriter<Doc> {
        @Override
        void write(Doc doc) {
            string("id", 0, doc.id());
            out.startField("seq", 1);
            out.addLong(doc.seq());
            out.endField("seq", 1);
            entities(doc);
            if (doc.metaJson() != null) {
                string("meta", 3, doc.metaJson());
            }
            SourcePosition source = doc.source();
            if (source != null) {
                out.startField("source", 4);
                out.startGroup();
                string("origin", 0, source.origin());
                string(
                        "kind",
                        1,
                        source.isKafka() ? "offset" : source.isFileRow() ? "row" : "line");
                out.startField("position", 2);
                out.addLong(source.position());
                out.endField("position", 2);
                out.endGroup();
                out.endField("source", 4);
            }
            if (!doc.vectors().isEmpty()) {
                vectors(doc);
            }
            if (!doc.attributes().isEmpty()) {
                string("attributes", 6, json(doc.attributes()));
            }
        }

        private void entities(Doc doc) {
            out.startField("entities", 2);
            out.startGroup();
            List<Span> spans = doc.entities().stream().sorted(BY_POSITION).toList();
            if (!spans.isEmpty()) {
                out.startField("list", 0);
                for (Span span : spans) {
                    out.startGroup();
                    out.startField("element", 0);
                    out.startGroup();
                    int32("start", 0, span.start());
                    int32("end", 1, span.end());
                    string("label", 2, span.label());
                    string("text", 3, doc.textOf(span));
                    if (span.source() != null) {
                        string("source", 4, span.source());
                    }
                    string("attributes", 5, attributesJson(span));
                    out.endGroup();
                    out.endField("element", 0);
                    out.endGroup();
                }
                out.endField("list", 0);
            }
            out.endGroup();
            out.endField("entities", 2);
        }

        /** The embeddings components' vectors, by component name. */
        private void vectors(Doc doc) {
            out.startField("vectors", 5);
            out.startGroup();
            out.startField("key_value", 0);
            for (var vector : doc.vectors().entrySet()) {
                out.startGroup();
                string("key", 0, vector.getKey());
                out.startField("value", 1);
                out.startGroup();
                if (vector.getValue().length > 0) {
                    out.startField("list", 0);
                    for (float value : vector.getValue()) {
                        out.startGroup();
                        out.startField("element", 0);
                        out.addFloat(value);
                        out.endField("element", 0);
                        out.endGroup();
                    }
                    out.endField("list", 0);
                }
                out.endGroup();
                out.endField("value", 1);
                out.endGroup();
            }
            out.endField("key_value", 0);
            out.endGroup();
            out.endField("vectors", 5);
        }

        private static String attributesJson(Span span) {
            return json(span.attributes());
        }

        private static String json(java.util.Map<String, Object> attributes) {
            try {
                return JSON.writeValueAsString(attributes);
            } catch (JsonProcessingException e) {
                throw new UncheckedIOException("attributes are not JSON: " + attributes, e);
            }
        }
    }
}
