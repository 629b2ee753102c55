package io.tandem.job.bench;

import io.tandem.batching.DocFinisher;
import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.parse.Annotator;
import io.tandem.parse.DocParser;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.functions.RichFlatMapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.functions.windowing.ProcessWindowFunction;
import org.apache.flink.streaming.api.windowing.windows.GlobalWindow;
import org.apache.flink.util.Collector;

/**
 * What a Flink user would write instead of Tandem, with the same pipeline, model and parallelism:
 *
 * <ul>
 *   <li>{@link #perRecordMap}: one function does everything, calling the model on one document at a
 *       time;
 *   <li>{@link #countWindow}: the batching idiom: documents keyed over the subtasks, {@code
 *       countWindow(32)}, the model called on each window's 32 documents in arrival order (no
 *       sorting by length). A count window never fires for its last partial window at the end of a
 *       bounded input; those documents never arrive, which the throughput (measured between
 *       arrivals) does not count against it.
 * </ul>
 *
 * Both run the model with one ONNX Runtime thread per subtask, as Tandem's subtasks do.
 */
final class Alternatives {
    static final int WINDOW_DOCS = 32;

    private Alternatives() {}

    static DataStream<Result> perRecordMap(
            DataStream<RawRecord> input, Pipeline pipeline, int parallelism) {
        return input.rebalance()
                .flatMap(new PerRecordFunction<>(Parts.of(pipeline)))
                .returns(Result.class)
                .name("per-record map")
                .setParallelism(parallelism);
    }

    static DataStream<Result> countWindow(
            DataStream<RawRecord> input, Pipeline pipeline, int parallelism) {
        Parts<?> parts = Parts.of(pipeline);
        int[] keys = keysSpreadOver(parallelism);
        return input.rebalance()
                .flatMap(new AnnotateFunction(parts.annotator))
                .returns(Doc.class)
                .name("parse")
                .setParallelism(parallelism)
                .keyBy(
                        doc -> keys[(int) (doc.seq() % keys.length)],
                        TypeInformation.of(Integer.class))
                .countWindow(WINDOW_DOCS)
                .process(new WindowFunction<>(parts.finisher))
                .returns(Result.class)
                .name("count window model")
                .setParallelism(parallelism);
    }

    /**
     * One key per subtask: a user keying by {@code seq % P} could see two keys land on one subtask;
     * this picks keys that do not, the idiom's best case.
     */
    static int[] keysSpreadOver(int parallelism) {
        int maxParallelism = KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
        int[] keys = new int[parallelism];
        boolean[] taken = new boolean[parallelism];
        int found = 0;
        for (int candidate = 0; found < parallelism; candidate++) {
            int subtask =
                    KeyGroupRangeAssignment.assignKeyToParallelOperator(
                            candidate, maxParallelism, parallelism);
            if (!taken[subtask]) {
                taken[subtask] = true;
                keys[found++] = candidate;
            }
        }
        return keys;
    }

    /** The pipeline cut around its model, as both alternatives use it. */
    private record Parts<F extends Serializable>(Annotator annotator, DocFinisher<F> finisher)
            implements Serializable {
        static Parts<?> of(Pipeline pipeline) {
            Pipeline.Split split = pipeline.split();
            if (split.model() == null) {
                throw new IllegalArgumentException(
                        "The benchmark pipeline needs a model: " + pipeline);
            }
            DeadLetters deadLetters = new DeadLetters(1024);
            return of(split, split.model(), deadLetters);
        }

        private static <F extends Serializable> Parts<F> of(
                Pipeline.Split split, ModelComponent<F> model, DeadLetters deadLetters) {
            return new Parts<>(
                    new Annotator(new DocParser(1_000_000), split.before(), deadLetters),
                    new DocFinisher<>(model, split.after(), deadLetters));
        }
    }

    private static <F extends Serializable> List<Result> runModel(
            DocFinisher<F> finisher, ForwardRunner runner, List<Doc> docs) {
        ModelComponent<F> model = finisher.model();
        List<F> features = new ArrayList<>(docs.size());
        docs.forEach(doc -> features.add(model.preprocess(doc)));
        try {
            return finisher.finish(
                    docs, features, runner.forward(model.collate(features)), List.of(), 0, -1);
        } catch (Exception e) {
            return finisher.finish(
                    docs,
                    features,
                    TensorMap.of(),
                    List.of(
                            new OutputBatch.DocFailure(
                                    OutputBatch.DocFailure.EVERY_DOCUMENT,
                                    e.getClass().getName(),
                                    String.valueOf(e.getMessage()))),
                    0,
                    -1);
        }
    }

    /** Parse, components, model on the one document, output: all in one call. */
    static final class PerRecordFunction<F extends Serializable>
            extends RichFlatMapFunction<RawRecord, Result> {
        private static final long serialVersionUID = 1L;
        private final Parts<F> parts;
        private transient ForwardRunner runner;

        @SuppressWarnings("unchecked")
        PerRecordFunction(Parts<?> parts) {
            this.parts = (Parts<F>) parts;
        }

        @Override
        public void open(OpenContext context) throws Exception {
            parts.annotator.open();
            parts.finisher.open(getRuntimeContext().getMetricGroup());
            runner = parts.finisher.model().openForward(ForwardContext.cpu(1));
        }

        @Override
        public void flatMap(RawRecord record, Collector<Result> out) {
            Doc doc = parts.annotator.annotate(record, out::collect);
            if (doc != null) {
                runModel(parts.finisher, runner, List.of(doc)).forEach(out::collect);
            }
        }

        @Override
        public void close() throws Exception {
            if (runner != null) {
                runner.close();
            }
        }
    }

    /** Parse and the components before the model; dead letters are dropped (there are none). */
    static final class AnnotateFunction extends RichFlatMapFunction<RawRecord, Doc> {
        private static final long serialVersionUID = 1L;
        private final Annotator annotator;

        AnnotateFunction(Annotator annotator) {
            this.annotator = annotator;
        }

        @Override
        public void open(OpenContext context) {
            annotator.open();
        }

        @Override
        public void flatMap(RawRecord record, Collector<Doc> out) {
            Doc doc = annotator.annotate(record, deadLetter -> {});
            if (doc != null) {
                out.collect(doc);
            }
        }
    }

    /** The model on a window's documents, as they came. */
    static final class WindowFunction<F extends Serializable>
            extends ProcessWindowFunction<Doc, Result, Integer, GlobalWindow> {
        private static final long serialVersionUID = 1L;
        private final DocFinisher<F> finisher;
        private transient ForwardRunner runner;

        WindowFunction(DocFinisher<F> finisher) {
            this.finisher = finisher;
        }

        @Override
        public void open(OpenContext context) throws Exception {
            finisher.open(getRuntimeContext().getMetricGroup());
            runner = finisher.model().openForward(ForwardContext.cpu(1));
        }

        @Override
        public void process(
                Integer key, Context context, Iterable<Doc> elements, Collector<Result> out) {
            List<Doc> docs = new ArrayList<>(WINDOW_DOCS);
            elements.forEach(docs::add);
            runModel(finisher, runner, docs).forEach(out::collect);
        }

        @Override
        public void close() throws Exception {
            if (runner != null) {
                runner.close();
            }
        }
    }
}
