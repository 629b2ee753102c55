package io.tandem.job.measure;

import io.tandem.batching.BatchSize;
import io.tandem.batching.ChunkBatcher;
import io.tandem.batching.FeatureCodec;
import io.tandem.doc.Doc;
import io.tandem.inference.BatchStats;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.PendingDocsHandle;
import io.tandem.records.TensorBatch;
import io.tandem.sample.LengthProfile;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.SampleSource;
import io.tandem.tensor.TensorMap;
import java.io.IOException;
import java.io.Serializable;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.streaming.api.graph.StreamNode;

/**
 * Measures, on the sample corpus with the default pipeline, what the split graph sends per document
 * over each edge (tensors to the GPU, outputs back, the documents' handles to the join) and the
 * padding of a batching strategy: padded tokens / real tokens of the collated model inputs. Sizes
 * are those of Tandem's serializers, i.e. the bytes Flink writes into network buffers (without
 * Flink's 4-byte length in front of each record); the documents edge's is that of the serializer
 * Flink picks for the join's first input in the built job. The documents themselves stay in the
 * JVM: their serialized size is what that edge carried before it carried handles.
 */
public final class EdgeReport {
    /** Figures of one batching strategy. */
    public record Figures(
            String batchSize,
            boolean sorted,
            int docs,
            int batches,
            long tokens,
            long paddedTokens,
            double tensorBytesPerDoc,
            double outputBytesPerDoc,
            double documentBytesPerDoc,
            double documentsEdgeBytesPerDoc,
            double documentNanosPerDoc,
            double documentsEdgeNanosPerDoc) {
        public double paddingRatio() {
            return (double) paddedTokens / tokens;
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "%-18s sorted=%-5s docs=%d batches=%d padded/real tokens=%.3f bytes/doc: tensors %.0f, outputs %.0f, documents edge %.2f (documents serialized %.0f); serialize + deserialize ns/doc: documents edge %.1f (documents %.0f)",
                    batchSize,
                    sorted,
                    docs,
                    batches,
                    paddingRatio(),
                    tensorBytesPerDoc,
                    outputBytesPerDoc,
                    documentsEdgeBytesPerDoc,
                    documentBytesPerDoc,
                    documentsEdgeNanosPerDoc,
                    documentNanosPerDoc);
        }
    }

    private EdgeReport() {}

    /**
     * @param maxLength the token classifier's window length in word pieces: documents longer than a
     *     window are cut into several rows, whose last one is padded whatever the batching.
     */
    public static Figures measure(
            int docs, String batchSize, boolean sorted, int chunkSize, int maxLength)
            throws Exception {
        return measure(docs, batchSize, sorted, chunkSize, maxLength, LengthProfile.DEFAULT);
    }

    /** {@link #measure(int, String, boolean, int, int)} on the sample corpus of {@code lengths}. */
    public static Figures measure(
            int docs,
            String batchSize,
            boolean sorted,
            int chunkSize,
            int maxLength,
            LengthProfile lengths)
            throws Exception {
        Pipeline.Split split = Pipeline.defaultPipeline().split();
        OnnxTokenClassifier model = OnnxTokenClassifier.builder().maxLength(maxLength).build();
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED, lengths);
        return measure(split, model, corpus, docs, BatchSize.parse(batchSize), sorted, chunkSize);
    }

    private static <F extends Serializable> Figures measure(
            Pipeline.Split split,
            ModelComponent<F> model,
            SampleCorpus corpus,
            int count,
            BatchSize size,
            boolean sorted,
            int chunkSize)
            throws Exception {
        split.before().open();
        TypeSerializer<PendingDocsHandle> documentsEdge = documentsEdgeSerializer();
        long tokens = 0;
        long padded = 0;
        long tensorBytes = 0;
        long outputBytes = 0;
        long documentBytes = 0;
        long documentsEdgeBytes = 0;
        List<PendingDocs> allDocs = new ArrayList<>();
        int batches = 0;
        try (ForwardRunner runner = model.openForward(ForwardContext.cpu(1))) {
            List<Doc> chunk = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Doc doc = corpus.generate(i).toDoc();
                split.before().process(doc);
                chunk.add(doc);
                if (chunk.size() == chunkSize || i == count - 1) {
                    for (List<Doc> batch :
                            ChunkBatcher.batches(chunk, Doc::wordCount, size, sorted)) {
                        List<F> features = new ArrayList<>();
                        batch.forEach(d -> features.add(model.preprocess(d)));
                        TensorMap tensors = model.collate(features);
                        BatchStats stats = model.batchStats(tensors);
                        tokens += stats.tokens();
                        padded += stats.paddedTokens();
                        tensorBytes +=
                                bytes(
                                        TensorBatch.Serializer.INSTANCE,
                                        new TensorBatch(
                                                0,
                                                1,
                                                batches,
                                                tensors,
                                                features.stream()
                                                        .mapToInt(model::rowsOf)
                                                        .toArray()));
                        outputBytes +=
                                bytes(
                                        OutputBatch.Serializer.INSTANCE,
                                        OutputBatch.succeeded(
                                                0, batches, -1, runner.forward(tensors)));
                        PendingDocs docs =
                                new PendingDocs(
                                        0,
                                        batches,
                                        batch,
                                        new long[batch.size()],
                                        FeatureCodec.encode(features));
                        documentBytes += bytes(PendingDocs.Serializer.INSTANCE, docs);
                        documentsEdgeBytes += bytes(documentsEdge, PendingDocsHandle.of(docs));
                        allDocs.add(docs);
                        batches++;
                    }
                    chunk.clear();
                }
            }
        }
        return new Figures(
                size.toString(),
                sorted,
                count,
                batches,
                tokens,
                padded,
                (double) tensorBytes / count,
                (double) outputBytes / count,
                (double) documentBytes / count,
                (double) documentsEdgeBytes / count,
                roundTripNanos(PendingDocs.Serializer.INSTANCE, allDocs) / count,
                roundTripNanos(documentsEdge, allDocs.stream().map(PendingDocsHandle::of).toList())
                        / count);
    }

    /** Passes over the batches whose fastest gives the time: the first ones warm the JIT. */
    private static final int TIMED_PASSES = 5;

    /**
     * This thread's CPU nanoseconds to serialize and deserialize every one of {@code values}, in
     * the fastest of {@value #TIMED_PASSES} passes: CPU time, which other workloads on the machine
     * do not stretch as they stretch wall time.
     */
    private static <T> double roundTripNanos(TypeSerializer<T> serializer, List<T> values)
            throws IOException {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        DataOutputSerializer out = new DataOutputSerializer(64 * 1024);
        DataInputDeserializer in = new DataInputDeserializer();
        long best = Long.MAX_VALUE;
        for (int pass = 0; pass < TIMED_PASSES; pass++) {
            long start = threads.getCurrentThreadCpuTime();
            for (T value : values) {
                out.clear();
                serializer.serialize(value, out);
                in.setBuffer(out.getSharedBuffer(), 0, out.length());
                serializer.deserialize(in);
            }
            best = Math.min(best, threads.getCurrentThreadCpuTime() - start);
        }
        return best;
    }

    /**
     * The serializer of the documents edge as Flink builds it: that of the first input of the
     * default pipeline's join in the split graph.
     */
    @SuppressWarnings("unchecked")
    public static TypeSerializer<PendingDocsHandle> documentsEdgeSerializer() {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        new TandemJob(new Configuration(), Pipeline.defaultPipeline(), 1, 1, List.of())
                .annotate(
                        env.fromSource(
                                SampleSource.create(1), WatermarkStrategy.noWatermarks(), "input"))
                .sinkTo(new DiscardingSink<>());
        StreamNode join =
                env.getStreamGraph().getStreamNodes().stream()
                        .filter(node -> node.getOperatorName().startsWith("join "))
                        .findFirst()
                        .orElseThrow(() -> new IllegalStateException("no join in the split graph"));
        return (TypeSerializer<PendingDocsHandle>) join.getTypeSerializersIn()[0];
    }

    private static <T> long bytes(TypeSerializer<T> serializer, T value) throws IOException {
        DataOutputSerializer out = new DataOutputSerializer(4096);
        serializer.serialize(value, out);
        return out.length();
    }

    /**
     * {@code EdgeReport [docs]}: prints the figures for the default and the fixed-size batching.
     */
    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
        for (int maxLength : new int[] {128, 512}) {
            System.out.println("window " + maxLength + " word pieces:");
            System.out.println("  " + measure(docs, "8000 padded_words", true, 256, maxLength));
            System.out.println("  " + measure(docs, "32 docs", false, 256, maxLength));
        }
    }
}
