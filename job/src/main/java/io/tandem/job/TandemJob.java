package io.tandem.job;

import io.tandem.batching.AbstractBatcher;
import io.tandem.batching.DispatchBatcher;
import io.tandem.batching.DocFinisher;
import io.tandem.batching.LocalModelOperator;
import io.tandem.batching.StageOutput;
import io.tandem.dispatch.DispatchPartitioner;
import io.tandem.dispatch.DispatchSchedule;
import io.tandem.dispatch.ReturnToProducerPartitioner;
import io.tandem.doc.Doc;
import io.tandem.inference.Device;
import io.tandem.inference.GpuAssigner;
import io.tandem.inference.InferenceOperator;
import io.tandem.inference.ModelComponent;
import io.tandem.job.options.OptionReader;
import io.tandem.join.PostprocessJoin;
import io.tandem.parse.AnnotateFunction;
import io.tandem.parse.Annotator;
import io.tandem.parse.DocParser;
import io.tandem.parse.ParseFunction;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.source.InputFormat;
import io.tandem.source.RawRecord;
import io.tandem.source.SourceOptions;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import javax.annotation.Nullable;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamSink;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds Tandem's job graph from options, with the source and the sink injected: the command line
 * wires the real ones, tests pass bounded test sources and collecting sinks.
 *
 * <p>With a model component and inference subtasks (C > 0): parse and per-document components,
 * batcher (CPU task set, parallelism P) - tensors through the dispatch partitioner to the inference
 * operator (parallelism C, slot sharing group "gpu") - outputs back to their producer's postprocess
 * join, which also receives the producer's documents over a forward edge. The join and the head of
 * the batcher's chain (the Kafka source in Kafka mode) share a co-location group, so their credits
 * meet in one JVM. Without inference subtasks (C = 0) the CPU subtasks run the forward pass
 * themselves.
 *
 * <p>A pipeline with rule components between its models has several model stages ({@link
 * Pipeline#stages}): the graph repeats batcher, inference and join per stage, each join handing its
 * documents to the next stage's batcher chained behind it; in place, one model operator per stage,
 * chained.
 */
public final class TandemJob {
    private static final Logger LOG = LoggerFactory.getLogger(TandemJob.class);
    public static final String GPU_SLOT_SHARING_GROUP = "gpu";

    /**
     * The co-location group of the inference operators of a pipeline of several model stages:
     * subtask j of every stage runs in slot j of the GPU slot sharing group, and shares its GPU
     * (the subtasks of one index lease their device together, see {@code GpuLeases}).
     */
    public static final String INFERENCE_COLOCATION_GROUP = "tandem-inference";

    /**
     * Operator names say their stage (input, parse, annotate, batcher, inference, join, output), so
     * that the dashboard's graph reads like the README's diagram; uids stay as they were, so
     * savepoints still match.
     */
    static final String PARSE_AND_ANNOTATE = "parse and annotate";

    /**
     * Buffer timeout of the batch edges. A batch is one large record and the credits let only a few
     * per link be in flight, so its tail must not wait in a half-full network buffer for Flink's
     * default 100 ms flush: that wait, twice per round trip, is what would starve the accelerator.
     */
    private static final long FLUSH_EVERY_RECORD = 0;

    private final OperatorSettings settings;
    private final Pipeline pipeline;
    private final int cpuWorkers;
    private final int gpuWorkers;
    private final List<Integer> gpuDevices;
    private final SlotResources slotResources;
    private final boolean omopInput;

    public TandemJob(Configuration options, Pipeline pipeline, int cpuWorkers) {
        this(options, pipeline, cpuWorkers, 0, List.of());
    }

    public TandemJob(
            Configuration options,
            Pipeline pipeline,
            int cpuWorkers,
            int gpuWorkers,
            List<Integer> gpuDevices) {
        if (cpuWorkers < 1) {
            throw new IllegalArgumentException("cpuWorkers must be >= 1, got " + cpuWorkers);
        }
        if (gpuWorkers < 0) {
            throw new IllegalArgumentException("gpuWorkers must be >= 0, got " + gpuWorkers);
        }
        // Fails at start-up, not in a task.
        this.settings = OperatorSettings.from(options, gpuWorkers == 0);
        this.pipeline = pipeline;
        this.cpuWorkers = cpuWorkers;
        this.gpuWorkers = gpuWorkers;
        this.gpuDevices = List.copyOf(gpuDevices);
        this.slotResources = SlotResources.from(options); // fail at startup, not in a task
        this.omopInput =
                options.contains(SourceOptions.INPUT_FORMAT)
                        && new OptionReader(options)
                                        .enumValue(SourceOptions.INPUT_FORMAT, InputFormat.class)
                                == InputFormat.OMOP;
    }

    /** Source to sink. */
    public void attach(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            int sourceParallelism,
            Sink<Result> sink) {
        DataStream<RawRecord> input =
                onCpu(
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "input")
                                .uid("input")
                                .setParallelism(sourceParallelism));
        onCpu(annotate(input).sinkTo(sink).name("output").uid("output").setParallelism(1));
    }

    /**
     * Source to rows: each result becomes the rows {@code toRows} makes of it (NOTE_NLP entities or
     * a dead letter), which {@code sinkParallelism} sink subtasks write.
     */
    public <R> void attach(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            int sourceParallelism,
            FlatMapFunction<Result, R> toRows,
            TypeInformation<R> rowType,
            Sink<R> sink,
            int sinkParallelism) {
        DataStream<RawRecord> input =
                onCpu(
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "input")
                                .uid("input")
                                .setParallelism(sourceParallelism));
        SingleOutputStreamOperator<R> rows =
                onCpu(
                        annotate(input)
                                .flatMap(toRows)
                                .returns(rowType)
                                .name("to-rows")
                                .uid("to-rows")
                                .setParallelism(cpuWorkers));
        onCpu(rows.sinkTo(sink).name("output").uid("output").setParallelism(sinkParallelism));
    }

    /**
     * Source to two sinks: processed documents to one (Parquet part files, as they arrive), dead
     * letters to the other.
     */
    public void attach(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            int sourceParallelism,
            Sink<Doc> docs,
            Sink<Result> deadLetters) {
        attach(env, source, sourceParallelism, docs, deadLetters, null);
    }

    /**
     * As {@link #attach(StreamExecutionEnvironment, Source, int, Sink, Sink)}, with {@code check}
     * applied to every result first: it turns the documents the document sink cannot write into
     * dead letters (OMOP's note ids that are not integers), or null for none.
     */
    public void attach(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            int sourceParallelism,
            Sink<Doc> docs,
            Sink<Result> deadLetters,
            @Nullable MapFunction<Result, Result> check) {
        attach(
                annotate(
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "input")
                                .setParallelism(sourceParallelism)),
                docs,
                deadLetters,
                check);
    }

    /**
     * Results to two sinks: documents (after {@code check}, when not null) to one, dead letters to
     * the other.
     */
    public void attach(
            DataStream<Result> annotated,
            Sink<Doc> docs,
            Sink<Result> deadLetters,
            @Nullable MapFunction<Result, Result> check) {
        DataStream<Result> results =
                check == null
                        ? annotated
                        : annotated
                                .map(check)
                                .returns(TypeInformation.of(Result.class))
                                .name("check")
                                .setParallelism(1);
        results.filter(result -> !result.isDeadLetter())
                .name("documents")
                .setParallelism(1)
                .map(Result::doc)
                .returns(TypeInformation.of(Doc.class))
                .name("to-documents")
                .setParallelism(1)
                .sinkTo(docs)
                .name("output")
                .setParallelism(1);
        results.filter(Result::isDeadLetter)
                .name("dead-letters")
                .setParallelism(1)
                .sinkTo(deadLetters)
                .name("dead-letter-output")
                .setParallelism(1);
    }

    /**
     * A continuous job: Kafka partitions stay on the CPU subtask that reads them (forward edges all
     * the way), so deterministic mode keeps each partition's order; one transactional sink per CPU
     * subtask writes outputs and dead letters.
     */
    public void attachKafka(
            StreamExecutionEnvironment env, Source<RawRecord, ?, ?> source, Sink<Result> sink) {
        DataStream<RawRecord> input =
                onCpu(
                        env.fromSource(source, WatermarkStrategy.noWatermarks(), "kafka-input")
                                .uid("kafka-input")
                                .setParallelism(cpuWorkers));
        onCpu(
                annotate(input, true)
                        .sinkTo(sink)
                        .name("kafka-output")
                        .uid("kafka-output")
                        .setParallelism(cpuWorkers));
    }

    /**
     * Everything between the raw records and the result lines. An input read at the CPU task set's
     * parallelism is chained to parse (its sources hand out their splits as readers ask: files'
     * byte ranges and row groups, the sample's ranges, JDBC's id ranges), so each CPU subtask reads
     * at its own pace; a narrower input is spread round-robin.
     */
    public DataStream<Result> annotate(DataStream<RawRecord> input) {
        return annotate(input, input.getParallelism() == cpuWorkers);
    }

    /**
     * @param keepPartitions forward records to the CPU subtask of the same index (the input must
     *     then run at the CPU task set's parallelism) instead of spreading them round-robin
     */
    public DataStream<Result> annotate(DataStream<RawRecord> input, boolean keepPartitions) {
        DeadLetters deadLetters = new DeadLetters(settings.deadLetterMaxRawBytes());
        DocParser parser = new DocParser(settings.maxTextChars(), omopInput);
        Pipeline.Stages stages = stages();
        // Round-robin, as the reference hands documents to its CPU workers, only where the input
        // has fewer readers than CPU subtasks: Flink's rebalance writes to its channels in turn,
        // so one subtask's backlog (a run of long documents) stops the source and every subtask
        // goes at that one's pace. A Kafka partition stays on one subtask, so its order is kept.
        DataStream<RawRecord> spread = keepPartitions ? input.forward() : input.rebalance();
        if (stages.stages().isEmpty()) {
            return onCpu(
                    spread.process(
                                    new AnnotateFunction(
                                            new Annotator(parser, pipeline, deadLetters)))
                            .name(PARSE_AND_ANNOTATE)
                            .uid("annotate")
                            .setParallelism(cpuWorkers));
        }
        SingleOutputStreamOperator<Doc> docs =
                onCpu(
                        spread.process(
                                        new ParseFunction(
                                                new Annotator(
                                                        parser, stages.before(), deadLetters)))
                                .name(PARSE_AND_ANNOTATE)
                                .uid("parse")
                                .setParallelism(cpuWorkers));
        List<DataStream<Result>> deadLetterStreams = new ArrayList<>();
        deadLetterStreams.add(docs.getSideOutput(ParseFunction.DEAD_LETTERS));
        if (gpuWorkers > 0) {
            logSchedule();
            // The batcher and the join of one producer index share a slot and a JVM, where their
            // credits meet. Every operator of the producer's chain carries the key, so that
            // whichever heads the chain (the parser behind a rebalance, the batcher when chaining
            // is off) has it.
            coLocateWithJoin(docs);
            if (keepPartitions) {
                // The source heads the chain of parse and batcher here (forward edge, same
                // parallelism), and Flink reads co-location keys from chain heads only.
                coLocateWithJoin(input);
            }
        }
        DataStream<Doc> stageInput = docs;
        List<Pipeline.ModelStage> modelStages = stages.stages();
        for (int k = 0; k < modelStages.size() - 1; k++) {
            stageInput =
                    stage(
                            stageInput,
                            finisher(modelStages.get(k), deadLetters),
                            k,
                            StageOutput.nextStage(),
                            deadLetterStreams);
        }
        int last = modelStages.size() - 1;
        DataStream<Result> results =
                stage(
                        stageInput,
                        finisher(modelStages.get(last), deadLetters),
                        last,
                        StageOutput.results(),
                        deadLetterStreams);
        for (DataStream<Result> stream : deadLetterStreams) {
            results = results.union(stream);
        }
        return results;
    }

    /** The pipeline's stages, consecutive models chained or not as the settings say. */
    public Pipeline.Stages stages() {
        return pipeline.stages(settings.chainConsecutiveModels());
    }

    private DocFinisher<?> finisher(Pipeline.ModelStage stage, DeadLetters deadLetters) {
        return new DocFinisher<>(
                stage.model(), stage.after(), deadLetters, settings.faultTolerance());
    }

    /**
     * One model stage: its model's operator(s) in the layout of this job, and the rule components
     * up to the next model.
     *
     * @param stage the stage's index, 0 for the first
     * @param stageOutput whether the stage emits results (the last) or hands documents on
     * @param deadLetters collects the stage's dead-letter side outputs
     */
    private <F extends Serializable, OUT> SingleOutputStreamOperator<OUT> stage(
            DataStream<Doc> docs,
            DocFinisher<F> finisher,
            int stage,
            StageOutput<OUT> stageOutput,
            List<DataStream<Result>> deadLetters) {
        return gpuWorkers == 0
                ? localModel(docs, finisher, stage, stageOutput, deadLetters)
                : splitModel(docs, finisher, stage, stageOutput, deadLetters);
    }

    /**
     * The uid of a stage's operator: the first stage keeps the uids of a single-model job, so its
     * savepoints still restore; later stages add their model's name, unique in a pipeline.
     */
    static String stageUid(String base, int stage, String model) {
        return stage == 0 ? base : base + "-" + model;
    }

    private <F extends Serializable, OUT> SingleOutputStreamOperator<OUT> localModel(
            DataStream<Doc> docs,
            DocFinisher<F> finisher,
            int stage,
            StageOutput<OUT> stageOutput,
            List<DataStream<Result>> deadLetters) {
        // Each CPU subtask shares one of its TaskManager's GPUs (round-robin, see GpuLeases): the
        // declared ones on a cluster, else the configured or detected ones.
        Device device = settings.device();
        String model = finisher.model().name();
        SingleOutputStreamOperator<OUT> results =
                docs.transform(
                                "batcher and inference " + model,
                                stageOutput.type(),
                                new LocalModelOperator<>(
                                        finisher,
                                        settings.batchSize(),
                                        settings.chunkSize(),
                                        settings.maxBatchDelay().toMillis(),
                                        device,
                                        settings.intraOpThreads(),
                                        new GpuAssigner(gpuDevices),
                                        settings.deterministic(),
                                        stageOutput))
                        .uid(stageUid("model", stage, model))
                        .setParallelism(cpuWorkers);
        onCpu(results);
        deadLetters.add(results.getSideOutput(AbstractBatcher.DEAD_LETTERS));
        return results;
    }

    private void logSchedule() {
        // The schedule is fixed by (P, C), so a job restored at another parallelism states its own.
        LOG.info(
                "Dispatch schedule of {} CPU and {} inference subtasks: {}",
                cpuWorkers,
                gpuWorkers,
                DispatchSchedule.of(cpuWorkers, gpuWorkers).summary());
    }

    private <F extends Serializable, OUT> SingleOutputStreamOperator<OUT> splitModel(
            DataStream<Doc> docs,
            DocFinisher<F> finisher,
            int stage,
            StageOutput<OUT> stageOutput,
            List<DataStream<Result>> deadLetters) {
        int credits = creditsPerProducer();
        String model = finisher.model().name();
        SingleOutputStreamOperator<TensorBatch> batches =
                docs.transform(
                                "batcher " + model,
                                TypeInformation.of(TensorBatch.class),
                                new DispatchBatcher<>(
                                        finisher,
                                        settings.batchSize(),
                                        settings.chunkSize(),
                                        settings.maxBatchDelay().toMillis(),
                                        credits,
                                        gpuWorkers,
                                        stage))
                        .uid(stageUid("batcher", stage, model))
                        .setParallelism(cpuWorkers)
                        .setBufferTimeout(FLUSH_EVERY_RECORD);
        onCpu(batches);
        SingleOutputStreamOperator<OutputBatch> outputs =
                inference(batches, finisher.model(), stage);
        if (stages().stages().size() > 1) {
            outputs.getTransformation().setCoLocationGroupKey(INFERENCE_COLOCATION_GROUP);
        }
        SingleOutputStreamOperator<OUT> joined =
                batches.getSideOutput(DispatchBatcher.PENDING_DOCS)
                        .forward()
                        .connect(
                                outputs.partitionCustom(
                                        new ReturnToProducerPartitioner(), OutputBatch::producer))
                        .transform(
                                "join " + model,
                                stageOutput.type(),
                                new PostprocessJoin<>(
                                        finisher,
                                        credits,
                                        settings.deterministic(),
                                        stage,
                                        stageOutput))
                        .uid(stageUid("postprocess", stage, model))
                        .setParallelism(cpuWorkers);
        onCpu(joined);
        // The join heads its chain (the next stage's batcher follows it), so it carries the key;
        // the batcher too, for when chaining is off.
        coLocateWithJoin(batches, joined);
        deadLetters.add(batches.getSideOutput(AbstractBatcher.DEAD_LETTERS));
        if (!stageOutput.isLast()) {
            deadLetters.add(joined.getSideOutput(AbstractBatcher.DEAD_LETTERS));
        }
        return joined;
    }

    private static void coLocateWithJoin(DataStream<?>... producerSide) {
        for (DataStream<?> stream : producerSide) {
            stream.getTransformation()
                    .setCoLocationGroupKey(PostprocessJoin.PRODUCER_COLOCATION_GROUP);
        }
    }

    /**
     * The first stage's inference operator: tensors in through the dispatch schedule, outputs out.
     */
    public <F extends Serializable> DataStream<OutputBatch> inference(
            DataStream<TensorBatch> batches, ModelComponent<F> model) {
        return inference(batches, model, 0);
    }

    /**
     * A stage's inference operator. Every stage's is in the GPU slot sharing group, so subtask j of
     * each stage shares slot j, and its GPU.
     */
    public <F extends Serializable> SingleOutputStreamOperator<OutputBatch> inference(
            DataStream<TensorBatch> batches, ModelComponent<F> model, int stage) {
        SingleOutputStreamOperator<OutputBatch> inference =
                batches.partitionCustom(new DispatchPartitioner(), TensorBatch::key)
                        .transform(
                                "inference " + model.name(),
                                TypeInformation.of(OutputBatch.class),
                                new InferenceOperator<>(
                                        model,
                                        new GpuAssigner(gpuDevices),
                                        settings.device(),
                                        settings.intraOpThreads(),
                                        settings.faultTolerance().forwardTimeout(),
                                        settings.faultTolerance().forwardRetryTimeout()))
                        .uid(stageUid("inference", stage, model.name()))
                        .setParallelism(gpuWorkers)
                        .setBufferTimeout(FLUSH_EVERY_RECORD);
        return slotResources.gpu().isPresent()
                ? inference.slotSharingGroup(slotResources.gpu().get())
                : inference.slotSharingGroup(GPU_SLOT_SHARING_GROUP);
    }

    /**
     * Puts a CPU-side operator into the declared CPU slot sharing group, so that it takes no GPU
     * share (see {@link SlotResources}); without declared resources it stays where it is.
     */
    private <T> SingleOutputStreamOperator<T> onCpu(SingleOutputStreamOperator<T> operator) {
        slotResources.cpu().ifPresent(operator::slotSharingGroup);
        return operator;
    }

    private <T> DataStreamSink<T> onCpu(DataStreamSink<T> sink) {
        slotResources.cpu().ifPresent(sink::slotSharingGroup);
        return sink;
    }

    /** What the slot sharing groups declare, for the job log. */
    public String describeSlotResources() {
        return slotResources.describe(cpuWorkers, gpuWorkers);
    }

    /**
     * Batches a producer may have in flight: the configured number per link, times the most links
     * any producer of the schedule has (links are few: the schedule keeps fan-out low).
     */
    private int creditsPerProducer() {
        DispatchSchedule schedule = DispatchSchedule.of(cpuWorkers, gpuWorkers);
        int maxLinks = 1;
        for (int p = 0; p < cpuWorkers; p++) {
            maxLinks =
                    Math.max(
                            maxLinks, (int) Arrays.stream(schedule.periodOf(p)).distinct().count());
        }
        return settings.batchesInFlightPerLink() * maxLinks;
    }

    public OperatorSettings settings() {
        return settings;
    }

    public int cpuWorkers() {
        return cpuWorkers;
    }

    public int gpuWorkers() {
        return gpuWorkers;
    }
}
