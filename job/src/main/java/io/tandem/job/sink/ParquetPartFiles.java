package io.tandem.job.sink;

import io.tandem.parquet.HadoopFreeCodecs;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.streaming.api.functions.sink.filesystem.OutputFileConfig;
import org.apache.flink.streaming.api.functions.sink.filesystem.bucketassigners.BasePathBucketAssigner;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;

/**
 * What the Parquet outputs ({@link ParquetDocs}, {@link ParquetNoteNlp}) share: Flink's {@link
 * FileSink} writing part files directly into one folder, committed at checkpoints and at the end of
 * input, and Snappy-compressed Parquet writers through Tandem's Hadoop-free codecs, each record
 * written field by field by a {@link RecordWriter}.
 */
final class ParquetPartFiles {
    private ParquetPartFiles() {}

    /** Part files {@code part-*.parquet} in {@code folder}, written by {@code writers}. */
    static <T> FileSink<T> sink(Path folder, BulkWriter.Factory<T> writers) {
        return FileSink.forBulkFormat(
                        new org.apache.flink.core.fs.Path(folder.toAbsolutePath().toUri()), writers)
                // Part files directly in the folder, not in Flink's default hourly subfolders.
                .withBucketAssigner(new BasePathBucketAssigner<>())
                .withOutputFileConfig(
                        OutputFileConfig.builder()
                                .withPartPrefix("part")
                                .withPartSuffix(".parquet")
                                .build())
                .build();
    }

    /** A Snappy-compressed writer of {@code schema}'s records, each made by {@code records}. */
    static <T> ParquetWriter<T> writer(OutputFile out, MessageType schema, RecordWriter<T> records)
            throws IOException {
        return new Builder<>(out, new Support<>(schema, records))
                .withConf(new PlainParquetConfiguration())
                .withCodecFactory(HadoopFreeCodecs.INSTANCE)
                .withCompressionCodec(CompressionCodecName.SNAPPY)
                .build();
    }

    /**
     * Writes one value as one record of the schema, field by field in the schema's order, into
     * {@link #out}.
     */
    abstract static class RecordWriter<T> {
        protected RecordConsumer out;

        abstract void write(T value);

        /** A null value leaves the (optional) field empty. */
        void string(String field, int index, String value) {
            if (value == null) {
                return;
            }
            out.startField(field, index);
            out.addBinary(Binary.fromString(value));
            out.endField(field, index);
        }

        void int32(String field, int index, int value) {
            out.startField(field, index);
            out.addInteger(value);
            out.endField(field, index);
        }

        void int64(String field, int index, long value) {
            out.startField(field, index);
            out.addLong(value);
            out.endField(field, index);
        }
    }

    private static final class Builder<T> extends ParquetWriter.Builder<T, Builder<T>> {
        private final Support<T> support;

        Builder(OutputFile out, Support<T> support) {
            super(out);
            this.support = support;
        }

        @Override
        protected Builder<T> self() {
            return this;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(ParquetConfiguration conf) {
            return support;
        }

        @Override
        protected WriteSupport<T> getWriteSupport(Configuration conf) {
            return support;
        }
    }

    private static final class Support<T> extends WriteSupport<T> {
        private final MessageType schema;
        private final RecordWriter<T> records;

        Support(MessageType schema, RecordWriter<T> records) {
            this.schema = schema;
            this.records = records;
        }

        @Override
        public WriteContext init(ParquetConfiguration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, Map.of());
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            records.out = recordConsumer;
        }

        @Override
        public void write(T value) {
            records.out.startMessage();
            records.write(value);
            records.out.endMessage();
        }
    }
}
