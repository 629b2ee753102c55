package io.tandem.source;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.parquet.OtherWriterParquet;
import io.tandem.parquet.OtherWriterParquet.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.connector.testframe.environment.MiniClusterTestEnvironment;
import org.apache.flink.connector.testframe.external.ExternalSystemSplitDataWriter;
import org.apache.flink.connector.testframe.external.source.DataStreamSourceExternalContext;
import org.apache.flink.connector.testframe.external.source.TestingSourceSettings;
import org.apache.flink.connector.testframe.junit.annotations.TestContext;
import org.apache.flink.connector.testframe.junit.annotations.TestEnv;
import org.apache.flink.connector.testframe.junit.annotations.TestSemantics;
import org.apache.flink.connector.testframe.testsuites.SourceTestSuiteBase;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.util.FileUtils;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * Flink's own source test suite against the file source, once for JSON Lines and once for Parquet:
 * single and multiple splits, an idle reader, metrics, restore from a savepoint, scale up and down,
 * and a TaskManager failure. Each "split" of the suite is a file; data the suite adds later to a
 * split lands in a new file of it, which the continuous source finds (files appear by an atomic
 * rename, as in any data lake).
 */
class FileInputSourceTestSuiteITCase extends SourceTestSuiteBase<String> {
    private static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message suite { optional binary id (STRING); optional binary text (STRING);"
                            + " optional int64 visit; }");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TestEnv MiniClusterTestEnvironment flink = new MiniClusterTestEnvironment();

    @TestSemantics
    CheckpointingMode[] semantics = new CheckpointingMode[] {CheckpointingMode.EXACTLY_ONCE};

    @TestContext FilesContext.Factory jsonLines = new FilesContext.Factory(InputFormat.JSONL);

    @TestContext FilesContext.Factory parquet = new FilesContext.Factory(InputFormat.PARQUET);

    static final class FilesContext implements DataStreamSourceExternalContext<String> {
        private final InputFormat format;
        private final Path folder;
        private final AtomicInteger writers = new AtomicInteger();

        record Factory(InputFormat format)
                implements org.apache.flink.connector.testframe.external.ExternalContextFactory<
                        FilesContext> {
            @Override
            public FilesContext createExternalContext(String testName) {
                return new FilesContext(format);
            }

            @Override
            public String toString() {
                return format.lowerCase();
            }
        }

        FilesContext(InputFormat format) {
            this.format = format;
            try {
                this.folder = Files.createTempDirectory("tandem-source-suite-");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        @Override
        public Source<String, ?, ?> createSource(TestingSourceSettings settings) {
            Duration discovery =
                    settings.getBoundedness() == Boundedness.BOUNDED
                            ? null
                            : Duration.ofMillis(100);
            return new RecordValues(
                    new FileInputSource(
                            new InputFiles(folder.toString(), null), "id", "text", discovery));
        }

        @Override
        public ExternalSystemSplitDataWriter<String> createSourceSplitDataWriter(
                TestingSourceSettings settings) {
            int writer = writers.getAndIncrement();
            AtomicInteger parts = new AtomicInteger();
            return new ExternalSystemSplitDataWriter<>() {
                @Override
                public void writeRecords(List<String> records) {
                    String name =
                            String.format(
                                    "split-%03d-part-%03d.%s",
                                    writer,
                                    parts.getAndIncrement(),
                                    format == InputFormat.PARQUET ? "parquet" : "jsonl");
                    try {
                        Path hidden = folder.resolve("." + name);
                        write(hidden, records);
                        Files.move(hidden, folder.resolve(name), StandardCopyOption.ATOMIC_MOVE);
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }

                @Override
                public void close() {}
            };
        }

        private void write(Path file, List<String> records) throws IOException {
            if (format == InputFormat.JSONL) {
                Files.write(file, records);
                return;
            }
            OtherWriterParquet.write(
                    file,
                    SCHEMA,
                    new Settings(
                            CompressionCodecName.SNAPPY, WriterVersion.PARQUET_1_0, true, 1 << 20),
                    rows -> {
                        for (String record : records) {
                            JsonNode row = readJson(record);
                            rows.row(
                                    List.of(
                                            row.get("id").asText(),
                                            row.get("text").asText(),
                                            row.get("meta").get("visit").asLong()));
                        }
                    });
        }

        private static JsonNode readJson(String record) {
            try {
                return JSON.readTree(record);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        /** JSON Lines: any line; Parquet: the row as the source renders it. */
        @Override
        public List<String> generateTestData(
                TestingSourceSettings settings, int splitIndex, long seed) {
            Random random = new Random(seed);
            int count = 5 + random.nextInt(20);
            List<String> records = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String text =
                        "note " + splitIndex + "-" + i + " " + Long.toHexString(random.nextLong());
                records.add(
                        format == InputFormat.JSONL
                                ? text
                                : "{\"id\":\"s"
                                        + splitIndex
                                        + "-"
                                        + i
                                        + "\",\"text\":\""
                                        + text
                                        + "\",\"meta\":{\"visit\":"
                                        + i
                                        + "}}");
            }
            return records;
        }

        @Override
        public TypeInformation<String> getProducedType() {
            return Types.STRING;
        }

        @Override
        public List<URL> getConnectorJarPaths() {
            return List.of();
        }

        @Override
        public void close() throws IOException {
            FileUtils.deleteDirectory(folder.toFile());
        }

        @Override
        public String toString() {
            return format.lowerCase() + " files";
        }
    }
}
