package io.tandem.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.parquet.OtherWriterParquet;
import io.tandem.parquet.OtherWriterParquet.Settings;
import io.tandem.parquet.ParquetFiles;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class FileInputSourceITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    @Test
    void readsEveryLineAsRawBytesWithLineNumbersAndSequence() throws Exception {
        Path file = dir.resolve("in.jsonl");
        byte[] invalid = {'{', (byte) 0xC3, '}'};
        try (var out = Files.newOutputStream(file)) {
            out.write("first\r\n".getBytes(StandardCharsets.UTF_8));
            out.write("\n".getBytes(StandardCharsets.UTF_8));
            out.write(invalid);
            out.write("\nlast without newline".getBytes(StandardCharsets.UTF_8));
        }
        Configuration config = new Configuration();
        // RawRecord is a POJO: no Kryo on the source's edge.
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        List<RawRecord> records = new ArrayList<>();
        try (CloseableIterator<RawRecord> it =
                env.fromSource(FileInputSource.of(file), WatermarkStrategy.noWatermarks(), "in")
                        .executeAndCollect()) {
            it.forEachRemaining(records::add);
        }
        records.sort(Comparator.comparingLong(r -> r.seq));
        assertEquals(4, records.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, records.get(i).seq);
            assertEquals(i + 1, records.get(i).position);
            assertEquals(file.toAbsolutePath().toString(), records.get(i).origin);
        }
        assertEquals("first", new String(records.get(0).value, StandardCharsets.UTF_8));
        assertEquals(0, records.get(1).value.length);
        assertArrayEquals(invalid, records.get(2).value);
        assertEquals(
                "last without newline", new String(records.get(3).value, StandardCharsets.UTF_8));
    }

    @Test
    void readsAFolderOfJsonLinesGzipAndParquetInPathOrderWithOneSequence() throws Exception {
        Path folder = Files.createDirectories(dir.resolve("corpus"));
        Files.writeString(folder.resolve("a.jsonl"), "a1\na2\na3\n");
        try (OutputStream out =
                new GZIPOutputStream(Files.newOutputStream(folder.resolve("b.jsonl.gz")))) {
            out.write("b1\nb2".getBytes(StandardCharsets.UTF_8));
        }
        // Snappy, data pages v1, dictionaries, several row groups.
        OtherWriterParquet.write(
                folder.resolve("c.parquet"),
                OtherWriterParquet.NOTES,
                new Settings(CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0, true, 2048),
                rows -> {
                    for (long i = 0; i < 300; i++) {
                        rows.row(List.of("c-" + i, "text " + i, i, "ward " + (i % 3)));
                    }
                });
        // Zstd, data pages v2, no dictionary; a null id and a null text.
        OtherWriterParquet.write(
                folder.resolve("sub/d.parquet"),
                OtherWriterParquet.NOTES,
                new Settings(CompressionCodecName.ZSTD, WriterVersion.PARQUET_2_0, false, 1 << 20),
                rows -> {
                    rows.row(java.util.Arrays.asList(null, "no id", 1L, null));
                    rows.row(java.util.Arrays.asList("d-1", null, null, "w"));
                });
        Files.writeString(folder.resolve("_SUCCESS"), "");
        Files.writeString(folder.resolve(".a.jsonl.crc"), "x\n");
        assertTrue(ParquetFiles.readFooter(folder.resolve("c.parquet")).getBlocks().size() > 1);

        List<RawRecord> records = readAll(new InputFiles(folder.toString(), null), 2);

        assertEquals(3 + 2 + 300 + 2, records.size());
        for (int i = 0; i < records.size(); i++) {
            assertEquals(i, records.get(i).seq, "sequence numbers run on from file to file");
        }
        assertRecord(records.get(0), folder.resolve("a.jsonl"), 1, "a1");
        assertRecord(records.get(4), folder.resolve("b.jsonl.gz"), 2, "b2");
        assertRecord(
                records.get(5 + 299),
                folder.resolve("c.parquet"),
                299,
                "{\"id\":\"c-299\",\"text\":\"text 299\",\"meta\":{\"visit\":299,\"ward\":\"ward 2\"}}");
        assertEquals(SourcePositionKind.ROW, SourcePositionKind.of(records.get(5 + 299)));
        assertRecord(
                records.get(305),
                folder.resolve("sub/d.parquet"),
                0,
                "{\"text\":\"no id\",\"meta\":{\"visit\":1,\"ward\":null}}");
        assertRecord(
                records.get(306),
                folder.resolve("sub/d.parquet"),
                1,
                "{\"id\":\"d-1\",\"meta\":{\"visit\":null,\"ward\":\"w\"}}");
    }

    @Test
    void aGlobSelectsFilesAndAForcedFormatReadsOtherNames() throws Exception {
        Files.writeString(dir.resolve("x-1.txt"), "one\n");
        Files.writeString(dir.resolve("x-2.txt"), "two\nthree\n");
        Files.writeString(dir.resolve("y-1.txt"), "not selected\n");

        List<RawRecord> records =
                readAll(new InputFiles(dir.resolve("x-*.txt").toString(), InputFormat.JSONL), 2);

        assertEquals(
                List.of("one", "two", "three"),
                records.stream().map(r -> new String(r.value, StandardCharsets.UTF_8)).toList());
    }

    private enum SourcePositionKind {
        LINE,
        ROW;

        static SourcePositionKind of(RawRecord record) {
            return record.sourcePosition().isFileRow() ? ROW : LINE;
        }
    }

    private static void assertRecord(RawRecord record, Path file, long position, String value) {
        assertEquals(file.toAbsolutePath().toString(), record.origin);
        assertEquals(position, record.position);
        assertEquals(value, new String(record.value, StandardCharsets.UTF_8));
    }

    private static List<RawRecord> readAll(InputFiles files, int parallelism) throws Exception {
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        List<RawRecord> records = new ArrayList<>();
        try (CloseableIterator<RawRecord> it =
                env.fromSource(
                                new FileInputSource(files, "id", "text", null),
                                WatermarkStrategy.noWatermarks(),
                                "in")
                        .setParallelism(parallelism)
                        .executeAndCollect()) {
            it.forEachRemaining(records::add);
        }
        records.sort(Comparator.comparingLong(r -> r.seq));
        return records;
    }
}
