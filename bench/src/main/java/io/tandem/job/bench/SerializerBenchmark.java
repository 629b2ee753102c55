package io.tandem.job.bench;

import io.tandem.doc.Doc;
import io.tandem.records.TensorBatch;
import io.tandem.sample.SampleCorpus;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.IOException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Serialize + deserialize of one record, Tandem's serializer against Flink's {@link KryoSerializer}
 * on the same records: documents of the sample corpus annotated by the default pipeline (cycled
 * through, so the heavy tail of lengths counts), and tensor batches of {@value #BATCH_ROWS} x
 * {@value #BATCH_SEQUENCE} ({@code input_ids} and {@code attention_mask}).
 *
 * <p>Both write into a reused {@link DataOutputSerializer} and read from a {@link
 * DataInputDeserializer}, the views Flink's network stack hands serializers. Run by {@link
 * SerializerBench}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class SerializerBenchmark {
    public static final int BATCH_ROWS = 32;
    public static final int BATCH_SEQUENCE = 128;

    /** Documents cycled through. */
    @Param("64")
    public int documents;

    private List<Doc> docs;
    private TensorBatch batch;
    private TypeSerializer<Doc> ourDocs;
    private TypeSerializer<Doc> kryoDocs;
    private TypeSerializer<TensorBatch> ourBatches;
    private TypeSerializer<TensorBatch> kryoBatches;
    private final DataOutputSerializer out = new DataOutputSerializer(1 << 16);
    private final DataInputDeserializer in = new DataInputDeserializer();
    private int next;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
        docs = annotatedSampleDocs(documents);
        batch = tensorBatch(BATCH_ROWS, BATCH_SEQUENCE);
        SerializerConfigImpl config = new SerializerConfigImpl();
        ourDocs = TypeInformation.of(Doc.class).createSerializer(config);
        ourBatches = TypeInformation.of(TensorBatch.class).createSerializer(config);
        kryoDocs = new KryoSerializer<>(Doc.class, config);
        kryoBatches = new KryoSerializer<>(TensorBatch.class, config);
    }

    /** Documents {@code 0..count-1} of the sample corpus, annotated by the default pipeline. */
    public static List<Doc> annotatedSampleDocs(int count) throws Exception {
        return new SampleCorpus().annotatedDocs(count);
    }

    /** A collated batch as the token classifier makes it: word-piece ids and a padding mask. */
    public static TensorBatch tensorBatch(int rows, int sequence) {
        Random random = new Random(7);
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        for (int r = 0; r < rows; r++) {
            int length = 1 + random.nextInt(sequence);
            for (int p = 0; p < length; p++) {
                ids[r * sequence + p] = 1 + random.nextInt(30_000);
                mask[r * sequence + p] = 1;
            }
        }
        long[] shape = {rows, sequence};
        return new TensorBatch(
                0,
                1,
                0,
                TensorMap.of(
                        Tensor.ofLongs("input_ids", shape, ids),
                        Tensor.ofLongs("attention_mask", shape, mask)),
                oneRowEach(rows));
    }

    private static int[] oneRowEach(int rows) {
        int[] docRows = new int[rows];
        java.util.Arrays.fill(docRows, 1);
        return docRows;
    }

    private Doc nextDoc() {
        Doc doc = docs.get(next);
        next = next + 1 == docs.size() ? 0 : next + 1;
        return doc;
    }

    private <T> T roundTrip(TypeSerializer<T> serializer, T record) throws IOException {
        out.clear();
        serializer.serialize(record, out);
        in.setBuffer(out.getSharedBuffer(), 0, out.length());
        return serializer.deserialize(in);
    }

    @Benchmark
    public Doc docTandem() throws IOException {
        return roundTrip(ourDocs, nextDoc());
    }

    @Benchmark
    public Doc docKryo() throws IOException {
        return roundTrip(kryoDocs, nextDoc());
    }

    @Benchmark
    public TensorBatch batchTandem() throws IOException {
        return roundTrip(ourBatches, batch);
    }

    @Benchmark
    public TensorBatch batchKryo() throws IOException {
        return roundTrip(kryoBatches, batch);
    }
}
