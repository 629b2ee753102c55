package io.tandem.parquet;

import io.airlift.compress.Compressor;
import io.airlift.compress.Decompressor;
import io.airlift.compress.lz4.Lz4Compressor;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyCompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdCompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.function.Supplier;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.bytes.BytesInput;
import org.apache.parquet.compression.CompressionCodecFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;

/**
 * Parquet's page codecs without Hadoop. parquet-mr's own {@code CodecFactory} loads every codec
 * through Hadoop's {@code CompressionCodec} classes, which would put Hadoop in the job jar; this
 * one uses aircompressor's pure-Java snappy, zstd and LZ4 and the JDK's gzip instead. Stateless, so
 * one instance serves every reader and writer.
 */
public final class HadoopFreeCodecs implements CompressionCodecFactory {
    public static final HadoopFreeCodecs INSTANCE = new HadoopFreeCodecs();

    private HadoopFreeCodecs() {}

    @Override
    public BytesInputCompressor getCompressor(CompressionCodecName codec) {
        return switch (codec) {
            case UNCOMPRESSED -> new BlockCodec(codec, null, null);
            case SNAPPY -> new BlockCodec(codec, SnappyCompressor::new, SnappyDecompressor::new);
            case ZSTD -> new BlockCodec(codec, ZstdCompressor::new, ZstdDecompressor::new);
            case LZ4_RAW -> new BlockCodec(codec, Lz4Compressor::new, Lz4Decompressor::new);
            case GZIP -> new BlockCodec(codec, null, null);
            default -> throw unsupported(codec);
        };
    }

    @Override
    public BytesInputDecompressor getDecompressor(CompressionCodecName codec) {
        return (BytesInputDecompressor) getCompressor(codec);
    }

    @Override
    public void release() {}

    private static UnsupportedOperationException unsupported(CompressionCodecName codec) {
        return new UnsupportedOperationException(
                "Parquet codec "
                        + codec
                        + " is not supported: expected UNCOMPRESSED, SNAPPY, ZSTD, GZIP or"
                        + " LZ4_RAW");
    }

    /** One codec, both directions; block codecs through aircompressor, gzip through the JDK. */
    private static final class BlockCodec implements BytesInputCompressor, BytesInputDecompressor {
        private final CompressionCodecName codec;
        private final Supplier<Compressor> compressors;
        private final Supplier<Decompressor> decompressors;

        BlockCodec(
                CompressionCodecName codec,
                Supplier<Compressor> compressors,
                Supplier<Decompressor> decompressors) {
            this.codec = codec;
            this.compressors = compressors;
            this.decompressors = decompressors;
        }

        @Override
        public BytesInput compress(BytesInput bytes) throws IOException {
            if (codec == CompressionCodecName.UNCOMPRESSED) {
                return bytes;
            }
            byte[] input = bytes.toByteArray();
            if (codec == CompressionCodecName.GZIP) {
                ByteArrayOutputStream out = new ByteArrayOutputStream(input.length / 2 + 64);
                try (GZIPOutputStream gzip = new GZIPOutputStream(out)) {
                    gzip.write(input);
                }
                return BytesInput.from(out.toByteArray());
            }
            Compressor compressor = compressors.get();
            byte[] output = new byte[compressor.maxCompressedLength(input.length)];
            int length = compressor.compress(input, 0, input.length, output, 0, output.length);
            return BytesInput.from(output, 0, length);
        }

        @Override
        public BytesInput decompress(BytesInput bytes, int uncompressedSize) throws IOException {
            if (codec == CompressionCodecName.UNCOMPRESSED) {
                return bytes;
            }
            return BytesInput.from(decompress(bytes.toByteArray(), uncompressedSize));
        }

        @Override
        public void decompress(
                ByteBuffer input, int compressedSize, ByteBuffer output, int uncompressedSize)
                throws IOException {
            byte[] compressed = new byte[compressedSize];
            input.get(compressed);
            output.put(
                    codec == CompressionCodecName.UNCOMPRESSED
                            ? compressed
                            : decompress(compressed, uncompressedSize));
        }

        private byte[] decompress(byte[] compressed, int uncompressedSize) throws IOException {
            byte[] output = new byte[uncompressedSize];
            if (codec == CompressionCodecName.GZIP) {
                try (InputStream gzip =
                        new GZIPInputStream(new java.io.ByteArrayInputStream(compressed))) {
                    int read = gzip.readNBytes(output, 0, uncompressedSize);
                    checkSize(read, uncompressedSize);
                }
                return output;
            }
            int length =
                    decompressors
                            .get()
                            .decompress(compressed, 0, compressed.length, output, 0, output.length);
            checkSize(length, uncompressedSize);
            return output;
        }

        private void checkSize(int actual, int expected) throws IOException {
            if (actual != expected) {
                throw new IOException(
                        codec + " page decompressed to " + actual + " bytes, expected " + expected);
            }
        }

        @Override
        public CompressionCodecName getCodecName() {
            return codec;
        }

        @Override
        public void release() {}
    }
}
