package io.tandem.parquet;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.parquet.ParquetReadOptions;
import org.apache.parquet.bytes.ByteBufferAllocator;
import org.apache.parquet.bytes.HeapByteBufferAllocator;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.conf.ParquetConfiguration;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.crypto.FileDecryptionProperties;
import org.apache.parquet.filter2.compat.FilterCompat;
import org.apache.parquet.format.converter.ParquetMetadataConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetMetricsCallback;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;
import org.apache.parquet.io.LocalInputFile;

/** Opens local Parquet files through parquet-mr's Hadoop-free entry points. */
public final class ParquetFiles {
    private ParquetFiles() {}

    public static ParquetFileReader open(Path file) throws IOException {
        return ParquetFileReader.open(new LocalInputFile(file), readOptions());
    }

    public static ParquetMetadata readFooter(Path file) throws IOException {
        try (ParquetFileReader reader = open(file)) {
            return reader.getFooter();
        } catch (RuntimeException e) {
            throw new IOException("Cannot read the Parquet footer of " + file, e);
        }
    }

    /**
     * Read options with Tandem's codecs and no filters. parquet-mr's builder cannot be used: its
     * constructor asks Hadoop's {@code ParquetInputFormat} for a record filter, which loads
     * Hadoop's MapReduce classes. So the options are made with their own (package-private)
     * constructor, the one the builder calls, with the builder's defaults; {@code
     * FileInputSourceITCase} reads real files through it, without Hadoop on the classpath.
     */
    public static ParquetReadOptions readOptions() {
        return READ_OPTIONS;
    }

    private static final ParquetReadOptions READ_OPTIONS = newReadOptions();

    private static ParquetReadOptions newReadOptions() {
        try {
            Constructor<ParquetReadOptions> constructor =
                    ParquetReadOptions.class.getDeclaredConstructor(
                            boolean.class, // useSignedStringMinMax
                            boolean.class, // useStatsFilter
                            boolean.class, // useDictionaryFilter
                            boolean.class, // useRecordFilter
                            boolean.class, // useColumnIndexFilter
                            boolean.class, // usePageChecksumVerification
                            boolean.class, // useBloomFilter
                            boolean.class, // useOffHeapDecryptBuffer
                            boolean.class, // useHadoopVectoredIo
                            FilterCompat.Filter.class,
                            ParquetMetadataConverter.MetadataFilter.class,
                            CompressionCodecFactory.class,
                            ByteBufferAllocator.class,
                            int.class, // maxAllocationSize
                            Map.class,
                            FileDecryptionProperties.class,
                            ParquetMetricsCallback.class,
                            ParquetConfiguration.class);
            constructor.setAccessible(true);
            return constructor.newInstance(
                    false,
                    true,
                    true,
                    true,
                    true,
                    false,
                    true,
                    false,
                    false,
                    FilterCompat.NOOP,
                    ParquetMetadataConverter.NO_FILTER,
                    HadoopFreeCodecs.INSTANCE,
                    new HeapByteBufferAllocator(),
                    8 << 20,
                    new HashMap<String, String>(),
                    null,
                    null,
                    new PlainParquetConfiguration());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(
                    "parquet-mr's ParquetReadOptions constructor changed: expected the one of"
                            + " parquet-mr 1.15",
                    e);
        }
    }
}
