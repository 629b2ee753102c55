package io.tandem.parquet;

import com.github.luben.zstd.Zstd;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.xerial.snappy.Snappy;

/**
 * Writes Parquet test files as other tools do: parquet-mr's example writer, with the native codecs
 * parquet-mr uses through Hadoop (xerial snappy, zstd-jni) rather than Tandem's, and a choice of
 * page version, dictionary and row-group size.
 */
public final class OtherWriterParquet {
    public static final MessageType NOTES =
            MessageTypeParser.parseMessageType(
                    "message notes {"
                            + " optional binary id (STRING);"
                            + " optional binary text (STRING);"
                            + " optional int64 visit;"
                            + " optional binary ward (STRING);"
                            + "}");

    public record Settings(
            CompressionCodecName codec,
            WriterVersion pages,
            boolean dictionary,
            long rowGroupBytes) {}

    private OtherWriterParquet() {}

    public static void write(
            Path file, MessageType schema, Settings settings, Consumer<RowWriter> rows)
            throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.deleteIfExists(file);
        try (ParquetWriter<Group> writer =
                ExampleParquetWriter.builder(new LocalOutputFile(file))
                        .withConf(new PlainParquetConfiguration())
                        .withType(schema)
                        .withCodecFactory(NativeCodecs.INSTANCE)
                        .withCompressionCodec(settings.codec())
                        .withWriterVersion(settings.pages())
                        .withDictionaryEncoding(settings.dictionary())
                        .withRowGroupSize(settings.rowGroupBytes())
                        .withPageSize(1024)
                        .withPageRowCountLimit(50)
                        .build()) {
            SimpleGroupFactory groups = new SimpleGroupFactory(schema);
            rows.accept(
                    values -> {
                        Group group = groups.newGroup();
                        for (int i = 0; i < values.size(); i++) {
                            Object value = values.get(i);
                            if (value instanceof String s) {
                                group.append(schema.getFieldName(i), s);
                            } else if (value instanceof Long l) {
                                group.append(schema.getFieldName(i), l);
                            }
                        }
                        try {
                            writer.write(group);
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
        }
    }

    /** Takes one row's values in schema order; null leaves the field out. */
    public interface RowWriter {
        void row(List<Object> values);
    }

    private static final class NativeCodecs implements CompressionCodecFactory {
        static final NativeCodecs INSTANCE = new NativeCodecs();

        @Override
        public BytesInputCompressor getCompressor(CompressionCodecName codec) {
            return new BytesInputCompressor() {
                @Override
                public BytesInput compress(BytesInput bytes) throws IOException {
                    byte[] input = bytes.toByteArray();
                    return BytesInput.from(
                            switch (codec) {
                                case SNAPPY -> Snappy.compress(input);
                                case ZSTD -> Zstd.compress(input, 3);
                                case UNCOMPRESSED -> input;
                                default -> throw new IllegalArgumentException(codec.name());
                            });
                }

                @Override
                public CompressionCodecName getCodecName() {
                    return codec;
                }

                @Override
                public void release() {}
            };
        }

        @Override
        public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
            return new BytesInputDecompressor() {
                @Override
                public BytesInput decompress(BytesInput bytes, int size) throws IOException {
                    byte[] input = bytes.toByteArray();
                    return BytesInput.from(
                            switch (codec) {
                                case SNAPPY -> Snappy.uncompress(input);
                                case ZSTD -> Zstd.decompress(input, size);
                                case UNCOMPRESSED -> input;
                                default -> throw new IllegalArgumentException(codec.name());
                            });
                }

                @Override
                public void decompress(ByteBuffer in, int inSize, ByteBuffer out, int outSize)
                        throws IOException {
                    byte[] input = new byte[inSize];
                    in.get(input);
                    out.put(decompress(BytesInput.from(input), outSize).toByteArray());
                }

                @Override
                public void release() {}
            };
        }

        @Override
        public void release() {}
    }
}
