package io.tandem.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.parquet.HadoopFreeCodecs;
import io.tandem.parquet.ParquetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Notes as another tool would store them in Parquet: optional {@code id} and {@code text}; and the
 * row count of a folder of part files.
 */
public final class ParquetNotes {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message notes { optional binary id (STRING); optional binary text"
                            + " (STRING); }");

    private ParquetNotes() {}

    /**
     * Writes the JSON Lines notes {@code lines} as rows, then one row without an id for each of
     * {@code textsWithoutId}.
     */
    public static void write(
            Path file, CompressionCodecName codec, List<String> lines, String... textsWithoutId)
            throws Exception {
        try (ParquetWriter<Group> writer =
                ExampleParquetWriter.builder(new LocalOutputFile(file))
                        .withConf(new PlainParquetConfiguration())
                        .withType(SCHEMA)
                        .withCodecFactory(HadoopFreeCodecs.INSTANCE)
                        .withCompressionCodec(codec)
                        .build()) {
            SimpleGroupFactory rows = new SimpleGroupFactory(SCHEMA);
            for (String line : lines) {
                JsonNode doc = JSON.readTree(line);
                writer.write(
                        rows.newGroup()
                                .append("id", doc.get("id").asText())
                                .append("text", doc.get("text").asText()));
            }
            for (String text : textsWithoutId) {
                writer.write(rows.newGroup().append("text", text));
            }
        }
    }

    /** The rows of every part file in {@code folder}, from their footers. */
    public static long rows(Path folder) throws Exception {
        long rows = 0;
        try (Stream<Path> files = Files.list(folder)) {
            for (Path part : files.filter(p -> p.toString().endsWith(".parquet")).toList()) {
                rows +=
                        ParquetFiles.readFooter(part).getBlocks().stream()
                                .mapToLong(BlockMetaData::getRowCount)
                                .sum();
            }
        }
        return rows;
    }
}
