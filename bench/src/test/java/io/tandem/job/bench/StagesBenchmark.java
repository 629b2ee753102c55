package io.tandem.job.bench;

import io.tandem.batching.BatchSize;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.ChunkBatcher;
import io.tandem.batching.FeatureCodec;
import io.tandem.doc.Doc;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ForwardingModelComponent;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.job.hf.MiniLmExport;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocs;
import io.tandem.records.TensorBatch;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.SampleSource;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.DiscardingSink;

/**
 * {@code ner} + {@code embeddings} (the tiny NER model, then MiniLM) as one chained stage against
 * two stages: bytes per document on the split graph's edges (Tandem's serializers, summed over the
 * stages) and throughput of the split layout, measured side by side, alternating; then two stages
 * of the calibrated accelerator stand-in ({@link A30Calibration}, one device for the JVM): the
 * device's busy share. A program, not a test (MiniLM is a test dependency only):
 *
 * <pre>java -cp ... io.tandem.job.bench.StagesBenchmark [docs] [rounds] [no-edges]</pre>
 */
public final class StagesBenchmark {
    private static final int CHUNK = 256;
    private static final String BATCH = "32 docs";

    private StagesBenchmark() {}

    public static void main(String[] args) throws Exception {
        int docs = args.length > 0 ? Integer.parseInt(args[0]) : 400;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        Path export = MiniLmExport.layOut(Files.createTempDirectory("tandem-stages").resolve("m"));
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .model(OnnxTokenClassifier.tiny())
                        .model(TextEmbedder.builder().model(export.toString()).build())
                        .build();

        boolean edges = args.length <= 2 || !args[2].equals("no-edges");
        for (boolean chain : edges ? new boolean[] {true, false} : new boolean[0]) {
            double[] bytes = edgeBytesPerDoc(pipeline.stages(chain), docs);
            System.out.printf(
                    Locale.ROOT,
                    "edges, %s: bytes/doc tensors %.0f, outputs %.0f, documents %.0f, total %.0f%n",
                    chain ? "one chained stage" : "two stages",
                    bytes[0],
                    bytes[1],
                    bytes[2],
                    bytes[0] + bytes[1] + bytes[2]);
        }
        for (int round = 0; round < rounds; round++) {
            // Alternate which goes first, so that neither profits from a warmer JVM.
            for (boolean chain :
                    round % 2 == 0 ? new boolean[] {true, false} : new boolean[] {false, true}) {
                double perSecond = throughput(pipeline, chain, docs);
                System.out.printf(
                        Locale.ROOT,
                        "round %d, %s: %.1f docs/s%n",
                        round,
                        chain ? "one chained stage" : "two stages",
                        perSecond);
            }
        }
        System.out.printf(
                Locale.ROOT,
                "calibrated accelerator, two stages: busy %.3f%n",
                calibratedBusyShare(Math.max(docs, 2000)));
    }

    /** Tensors, outputs and documents bytes per document, summed over the stages. */
    static double[] edgeBytesPerDoc(Pipeline.Stages stages, int count) throws Exception {
        stages.before().open();
        List<Doc> docs = new ArrayList<>();
        SampleCorpus corpus = new SampleCorpus();
        for (int i = 0; i < count; i++) {
            Doc doc = corpus.generate(i).toDoc();
            stages.before().process(doc);
            docs.add(doc);
        }
        double[] total = new double[3];
        for (Pipeline.ModelStage stage : stages.stages()) {
            stage.after().open();
            long[] bytes = stageBytes(stage.model(), docs);
            docs.forEach(stage.after()::process);
            for (int k = 0; k < 3; k++) {
                total[k] += (double) bytes[k] / count;
            }
        }
        return total;
    }

    private static <F extends Serializable> long[] stageBytes(
            ModelComponent<F> model, List<Doc> docs) throws Exception {
        model.open();
        long[] bytes = new long[3];
        long seq = 0;
        try (ForwardRunner runner = model.openForward(ForwardContext.cpu(1))) {
            for (int from = 0; from < docs.size(); from += CHUNK) {
                List<Doc> chunk = docs.subList(from, Math.min(docs.size(), from + CHUNK));
                for (List<Doc> batch :
                        ChunkBatcher.batches(chunk, Doc::wordCount, BatchSize.parse(BATCH), true)) {
                    List<F> features = new ArrayList<>();
                    batch.forEach(d -> features.add(model.preprocess(d)));
                    TensorMap tensors = model.collate(features);
                    TensorMap outputs = runner.forward(tensors);
                    bytes[0] +=
                            bytes(
                                    TensorBatch.Serializer.INSTANCE,
                                    new TensorBatch(
                                            0,
                                            1,
                                            seq,
                                            tensors,
                                            features.stream().mapToInt(model::rowsOf).toArray()));
                    bytes[1] +=
                            bytes(
                                    OutputBatch.Serializer.INSTANCE,
                                    OutputBatch.succeeded(0, seq, -1, outputs));
                    bytes[2] +=
                            bytes(
                                    PendingDocs.Serializer.INSTANCE,
                                    new PendingDocs(
                                            0,
                                            seq,
                                            batch,
                                            new long[batch.size()],
                                            FeatureCodec.encode(features)));
                    model.postprocess(batch, features, outputs);
                    seq++;
                }
            }
        } finally {
            model.close();
        }
        return bytes;
    }

    private static <T> long bytes(TypeSerializer<T> serializer, T record) throws Exception {
        DataOutputSerializer out = new DataOutputSerializer(1 << 16);
        serializer.serialize(record, out);
        return out.length();
    }

    /** Documents per second of the split layout, one CPU and one inference subtask. */
    static double throughput(Pipeline pipeline, boolean chain, int docs) throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, BATCH);
        options.set(BatchingOptions.CHAIN_CONSECUTIVE_MODELS, chain);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        return run(new TandemJob(options, pipeline, 1, 1, List.of()), docs);
    }

    private static double run(TandemJob job, int docs) throws Exception {
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        // The CPU and the GPU slot sharing groups take a slot each.
        cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, 4);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        job.annotate(
                        env.fromSource(
                                        SampleSource.create(docs),
                                        WatermarkStrategy.noWatermarks(),
                                        "input")
                                .setParallelism(1))
                .addSink(new DiscardingSink<>());
        long start = System.nanoTime();
        env.execute("stages");
        return docs / ((System.nanoTime() - start) / 1e9);
    }

    /** Forward passes of every stage on the one calibrated device: start and end (nanoTime). */
    private static final List<long[]> PASSES = new ArrayList<>();

    /** The calibrated stand-in, recording its passes. */
    static final class Recorded
            extends ForwardingModelComponent<io.tandem.hf.TokenClassifierFeatures> {
        private static final long serialVersionUID = 1L;

        Recorded(String name) {
            super(StandInModel.calibrated(OnnxTokenClassifier.builder().name(name).build()));
        }

        @Override
        public ForwardRunner openForward(ForwardContext context) throws Exception {
            ForwardRunner runner = delegate.openForward(context);
            return new ForwardRunner() {
                @Override
                public TensorMap forward(TensorMap batch) throws Exception {
                    long start = System.nanoTime();
                    TensorMap out = runner.forward(batch);
                    synchronized (PASSES) {
                        PASSES.add(new long[] {start, System.nanoTime()});
                    }
                    return out;
                }

                @Override
                public void close() throws Exception {
                    runner.close();
                }
            };
        }
    }

    /**
     * Two stages of the calibrated stand-in, sharing the JVM's one device, with two CPU subtasks:
     * the share of the middle 60% of the passes' span during which the device ran a pass.
     */
    static double calibratedBusyShare(int docs) throws Exception {
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .model(new Recorded("ner"))
                        .negation("en")
                        .model(new Recorded("ner-2"))
                        .build();
        Configuration options = new Configuration();
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        synchronized (PASSES) {
            PASSES.clear();
        }
        double perSecond = run(new TandemJob(options, pipeline, 2, 1, List.of()), docs);
        List<long[]> passes;
        synchronized (PASSES) {
            passes = new ArrayList<>(PASSES);
        }
        passes.sort(Comparator.comparingLong(p -> p[0]));
        long first = passes.get(0)[0];
        long last = passes.stream().mapToLong(p -> p[1]).max().orElseThrow();
        long from = first + (last - first) / 5;
        long to = last - (last - first) / 5;
        long covered = 0;
        long reached = from;
        for (long[] pass : passes) {
            long start = Math.max(pass[0], reached);
            long end = Math.min(pass[1], to);
            if (end > start) {
                covered += end - start;
                reached = end;
            }
        }
        System.out.printf(
                Locale.ROOT,
                "calibrated accelerator, two stages: %d passes, %.1f docs/s%n",
                passes.size(),
                perSecond);
        return (double) covered / (to - from);
    }
}
