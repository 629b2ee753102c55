package io.tandem.job.bench;

import io.tandem.batching.BatchingOptions;
import io.tandem.dispatch.DispatchSchedule;
import io.tandem.dispatch.ReferenceSchedule;
import io.tandem.dispatch.ScheduleStats;
import io.tandem.inference.ModelComponent;
import io.tandem.inference.ModelLocation;
import io.tandem.job.LocalClusters;
import io.tandem.job.TandemJob;
import io.tandem.job.measure.EdgeReport;
import io.tandem.models.BenchModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.ModelStep;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.results.Result;
import io.tandem.sample.LengthProfile;
import io.tandem.source.RawRecord;
import java.io.PrintStream;
import java.io.Serializable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.function.IntToDoubleFunction;
import java.util.function.ToDoubleFunction;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExecutionOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs every benchmark of {@code tandem bench} in this process, on local MiniClusters, on the
 * sample corpus with the default pipeline (its model replaced as each figure needs), and returns
 * the figures: ratios and a percentile, each measured in this run ({@link BenchReport} says what
 * each is).
 *
 * <p>Every job reads the sample corpus from one source subtask, as a file is read, and spreads it
 * round-robin over the CPU subtasks. Throughput is measured two ways:
 *
 * <ul>
 *   <li>with the stand-in accelerator (results arrive smoothly, hundreds per second): in the steady
 *       state, between the arrivals at 10% and 90% of the run ({@link #STEADY_FROM}, {@link
 *       #STEADY_TO}), since the stages it is compared with are measured without filling or
 *       draining;
 *   <li>with the real model on the CPU (results arrive in bursts of a batch or window): over the
 *       whole run, from the first document leaving the source to the last result, the same for
 *       Tandem and the two alternatives.
 * </ul>
 *
 * Each measurement is the best of {@link BenchSettings#repeats()} runs, the variants compared with
 * each other interleaved: on a shared machine other processes only ever slow a run down.
 */
public final class Bench {
    static final double STEADY_FROM = 0.1;
    static final double STEADY_TO = 0.9;
    static final Duration LATENCY_MAX_BATCH_DELAY = Duration.ofMillis(50);

    /**
     * Flink's network buffer timeout in the latency run. At its default (100 ms) a half-empty
     * buffer waits up to 100 ms on each of the graph's four network hops, which would hide the
     * batching's own latency; a latency-minded deployment lowers it.
     */
    static final Duration LATENCY_BUFFER_TIMEOUT = Duration.ofMillis(10);

    /**
     * Batches in flight per producer-consumer link of the comparison run. The figures use Tandem's
     * default (2). The batcher queues a flushed chunk's batches (one chunk at most) and sends one
     * per returned credit while it preprocesses the next chunk, so a few credits should keep the
     * accelerator fed; the report also gives the efficiency with many more credits, to show whether
     * the default leaves anything on the table.
     */
    static final int MANY_BATCHES_IN_FLIGHT = 32;

    /**
     * The stand-in's speed as a share of the CPU side's. Exactly balanced (1.0), the accelerator
     * starves whenever the CPU side has a slow moment, which on a shared machine is often, and the
     * figure measures the machine's noise; deployments size the CPU workers with headroom. The
     * balanced figure is reported too.
     */
    static final double STAND_IN_SHARE = 2.0 / 3;

    /** CPU subtasks of the scale simulation. */
    static final int SCALE_CPU_WORKERS = 32;

    /** Inference subtasks of the scale simulation. */
    static final int SCALE_INFERENCE_WORKERS = 8;

    /**
     * What the scale simulation's parked inference side can do, documents per second: low enough
     * that Tandem's real work for it (parse, tokenize, dispatch, serialize, join) leaves most of
     * the 2 cores idle, so that the figure measures Tandem's overhead rather than the cores.
     */
    static final double SCALE_INFERENCE_DOCS_PER_S = 400;

    /** The (P, C) at which the report compares the dispatch schedule with the reference. */
    static final int SCHEDULE_PRODUCERS = 256;

    static final int SCHEDULE_CONSUMERS = 32;

    /** The window of the clinical-lengths group: real notes need 512-piece windows. */
    static final int CLINICAL_WINDOW = 512;

    /** The rate of the low-rate latency run, documents per second. */
    static final double LOW_RATE_DOCS_PER_S = 5;

    /**
     * Documents of Tandem's low-rate run (12 s at {@value #LOW_RATE_DOCS_PER_S}/s): its p99 is that
     * of a few stragglers, but a longer run would make {@code --quick} slow.
     */
    static final int LOW_RATE_TANDEM_DOCS = 60;

    private static final String DEFAULT_BATCH_SIZE = BatchingOptions.BATCH_SIZE.defaultValue();
    private static final int CHUNK_SIZE = BatchingOptions.CHUNK_SIZE.defaultValue();

    private final BenchSettings settings;
    private final PrintStream log;

    /**
     * Documents per run with the instant or fast stand-in: {@link BenchSettings#fastDocs()} until
     * the warm-up has measured the throughput, then enough for {@link
     * BenchSettings#fastRunSeconds()}.
     */
    private int fastRunDocs;

    /** Each figure's value in each round, by key: what its spread is taken over. */
    private final Map<String, List<Double>> figureRounds = new LinkedHashMap<>();

    /** The figures, by key, as the groups of {@link #run} measure them. */
    private final Map<String, Double> figures = new LinkedHashMap<>();

    /** The measurements behind the figures. */
    private final Map<String, Object> details = new LinkedHashMap<>();

    /** The sample corpus's lengths in the runs of the group being measured. */
    private LengthProfile lengths = LengthProfile.DEFAULT;

    /** Documents per second of the runs behind the figures, by run. */
    private final Map<String, Double> throughput = new LinkedHashMap<>();

    /** The spread of each run's throughput over the rounds, by run. */
    private final Map<String, Double> repeatSpreads = new LinkedHashMap<>();

    public Bench(BenchSettings settings, PrintStream log) {
        this.settings = settings;
        this.log = log;
        this.fastRunDocs = settings.fastDocs();
    }

    /** A finished run: its arrivals and what its model's forward passes did. */
    record Measured(RunRecorder recorder, MeteredModel.Meter meter) {
        double steady() {
            return recorder.throughput(STEADY_FROM, STEADY_TO);
        }

        double whole() {
            return recorder.throughput();
        }

        /** The inference subtask's busy time over wall time in the steady part. */
        double steadyBusyShare() {
            return meter.busyShare(recorder.arrivalAt(STEADY_FROM), recorder.arrivalAt(STEADY_TO));
        }

        /** {@link #steadyBusyShare}, inference subtask by inference subtask. */
        List<Double> steadyBusyShareByRunner() {
            return meter.busyShareByRunner(
                    recorder.arrivalAt(STEADY_FROM), recorder.arrivalAt(STEADY_TO));
        }
    }

    /** The stand-in runs the later measurements build on: their sizes and rates come from them. */
    private record StandInRuns(Measured full, StandInModel sized, double paddedTokensPerDoc) {}

    /**
     * Measures every figure, one group at a time; the figures a group compares with each other are
     * measured side by side in that group (interleaved rounds), as its method says.
     */
    public BenchReport run() throws Exception {
        long started = System.nanoTime();
        int p = settings.cpuWorkers();
        details.put("settings", settings.name());
        details.put("cpus", Runtime.getRuntime().availableProcessors());
        details.put("cpu_workers", p);
        details.put("window_word_pieces", settings.maxLength());
        details.put("batch_size", DEFAULT_BATCH_SIZE);
        details.put("model", settings.benchModel() ? BenchModel.NAME : "tiny");
        details.put("repeats", settings.repeats());

        measureSerializers();
        measurePadding();

        // The stand-in uses the classifier's tokenizer and collation only (the same vocabulary as
        // the bench model's).
        OnnxTokenClassifier classifier =
                OnnxTokenClassifier.builder().maxLength(settings.maxLength()).build();
        if (settings.warmUp()) {
            fastRunDocs = fastRunDocsAt(warmUp(classifier, p));
        }
        details.put("fast_run_docs", fastRunDocs);

        StandInRuns standIn = measureStandIn(classifier, p);
        measureCalibrated(classifier, p);
        measureScaleSimulation(classifier, standIn.paddedTokensPerDoc());
        measureLatency(standIn.sized(), p, standIn.full().steady() / 2);
        measureClinicalLengths(p);
        measureModelOnCpu(classifier, p);

        details.put(BenchReport.SPREAD, spreads(figures));
        details.put("figures_by_round", figureRounds);
        details.put("throughput_docs_per_s", throughput);
        details.put("spread_of_repeats", repeatSpreads);
        details.put("wall_s", (System.nanoTime() - started) / 1e9);
        return new BenchReport(settings, figures, details);
    }

    /**
     * {@code serializer_vs_kryo_doc} and {@code serializer_vs_kryo_batch}: JMH, Kryo and Tandem on
     * the same records, their ratio by pair of forks.
     */
    private void measureSerializers() throws Exception {
        step("serializers (JMH)");
        SerializerBench.Result serializers = SerializerBench.run(settings.serializers(), log);
        details.put("serializer_ns_per_record", serializers.asMap());
        figures.put("serializer_vs_kryo_doc", serializers.docRatio());
        figureRounds.put("serializer_vs_kryo_doc", serializers.docRatioByPair());
        figures.put("serializer_vs_kryo_batch", serializers.batchRatio());
        figureRounds.put("serializer_vs_kryo_batch", serializers.batchRatioByPair());
    }

    /**
     * {@code padding_ratio_padded_words} and {@code padding_ratio_docs}: deterministic, the same
     * documents batched the same way every time.
     */
    private void measurePadding() throws Exception {
        step("padding (window " + settings.maxLength() + ")");
        figures.put(
                "padding_ratio_padded_words",
                padding(DEFAULT_BATCH_SIZE, true, settings.maxLength()));
        figures.put("padding_ratio_docs", padding("32 docs", false, settings.maxLength()));
        if (settings.paddingAt512() && settings.maxLength() != 512) {
            step("padding (window 512, for reference)");
            details.put(
                    "padding_at_window_512",
                    Map.of(
                            "padded_words", padding(DEFAULT_BATCH_SIZE, true, 512),
                            "docs", padding("32 docs", false, 512)));
        }
    }

    /**
     * {@code pipeline_efficiency_stub}, {@code ordered_vs_unordered} and {@code
     * cpu_scaling_1_to_2}: the split graph with the stand-in accelerator, every run of a round side
     * by side (the stand-in's speed set from the CPU side measured in the same round).
     */
    private StandInRuns measureStandIn(OnnxTokenClassifier classifier, int p) throws Exception {
        step("stand-in accelerator (split graph: " + p + " CPU workers, 1 inference subtask)");
        Best cpuSide = new Best(Measured::steady);
        Best sized = new Best(Measured::steady);
        Best balanced = new Best(Measured::steady);
        Best unordered = new Best(Measured::steady);
        Best manyInFlight = new Best(Measured::steady);
        Map<Integer, Best> scaling = new LinkedHashMap<>();
        StandInModel standIn = null;
        // The stand-in's cost in the run that counts (set from inside the measurements).
        double[] sizedNanosPerPaddedToken = {0};
        for (int repeat = 0; repeat < settings.repeats(); repeat++) {
            // The two runs ordered_vs_unordered compares, side by side, the first of them
            // alternating: the JIT still improving or a slow spell then favours neither.
            List<Measurement> orderedPair =
                    List.of(
                            () ->
                                    cpuSide.add(
                                            tandem(
                                                    "cpu-side-split",
                                                    StandInModel.instant(classifier),
                                                    p,
                                                    1,
                                                    true)),
                            () ->
                                    unordered.add(
                                            tandem(
                                                    "cpu-side-split, unordered",
                                                    StandInModel.instant(classifier),
                                                    p,
                                                    1,
                                                    false)));
            measureInOrder(orderedPair, repeat);
            // What makes the stand-in as fast as the CPU side has been so far.
            double balancedNanos =
                    1e9 / (cpuSide.score() * cpuSide.best().meter().paddedTokensPerDoc());
            // Sized as a deployment is: the CPU workers have headroom to keep the accelerator
            // busy (the stand-in runs at STAND_IN_SHARE of the CPU side's speed).
            double sizedNanos = balancedNanos / STAND_IN_SHARE;
            standIn = new StandInModel(classifier, sizedNanos);
            StandInModel current = standIn;
            StandInModel balancedStandIn = new StandInModel(classifier, balancedNanos);
            // For the scaling curve the stand-in must not be what limits: a quarter of the cost.
            StandInModel fast = new StandInModel(classifier, balancedNanos / 4);
            List<Measurement> others = new ArrayList<>();
            others.add(
                    () -> {
                        if (sized.add(tandem("stand-in, P=" + p, current, p, 1, true))) {
                            sizedNanosPerPaddedToken[0] = sizedNanos;
                        }
                    });
            others.add(
                    () ->
                            balanced.add(
                                    tandem(
                                            "stand-in, P=" + p + ", balanced",
                                            balancedStandIn,
                                            p,
                                            1,
                                            true)));
            others.add(
                    () ->
                            manyInFlight.add(
                                    tandem(
                                            "stand-in, " + MANY_BATCHES_IN_FLIGHT + " in flight",
                                            current,
                                            p,
                                            1,
                                            true,
                                            MANY_BATCHES_IN_FLIGHT)));
            for (int workers : settings.scalingWorkers()) {
                Best best = scaling.computeIfAbsent(workers, w -> new Best(Measured::steady));
                others.add(
                        () ->
                                best.add(
                                        tandem(
                                                "fast stand-in, P=" + workers,
                                                fast,
                                                workers,
                                                1,
                                                true)));
            }
            measureInOrder(others, repeat);
        }
        Measured full = sized.best();
        // The inference subtask's busy time in that same run, on its own batches.
        double standInOnly = full.meter().forwardOnlyThroughput();
        figures.put("pipeline_efficiency_stub", efficiency(full, cpuSide.score()));
        perRound(
                "pipeline_efficiency_stub",
                round -> efficiency(sized.run(round), cpuSide.score(round)));
        throughput.put("cpu_side_split", cpuSide.score());
        throughput.put("stand_in_only", standInOnly);
        throughput.put("stand_in_pipeline", full.steady());
        throughput.put("balanced_stand_in_only", balanced.best().meter().forwardOnlyThroughput());
        throughput.put("balanced_stand_in_pipeline", balanced.score());
        throughput.put("cpu_side_split_unordered", unordered.score());
        throughput.put("stand_in_pipeline_many_in_flight", manyInFlight.score());
        throughput.put("fast_stand_in_only", scaling.get(p).best().meter().forwardOnlyThroughput());
        details.put("stand_in_share_of_cpu_side", STAND_IN_SHARE);
        details.put(
                "stand_in_batches_in_flight_per_link",
                BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK.defaultValue());
        details.put("many_batches_in_flight_per_link", MANY_BATCHES_IN_FLIGHT);
        details.put(
                "pipeline_efficiency_stub_balanced", efficiency(balanced.best(), cpuSide.score()));
        details.put(
                "pipeline_efficiency_stub_many_in_flight",
                efficiency(manyInFlight.best(), cpuSide.score()));
        medianOfRounds(
                "ordered_vs_unordered", round -> cpuSide.score(round) / unordered.score(round));
        medianOfRounds(
                "cpu_scaling_1_to_2",
                round -> scaling.get(2).score(round) / scaling.get(1).score(round));
        Map<Integer, Double> scalingCurve = new LinkedHashMap<>();
        scaling.forEach((workers, best) -> scalingCurve.put(workers, best.score()));
        details.put("scaling_docs_per_s", scalingCurve);
        details.put("stand_in_ns_per_padded_token", sizedNanosPerPaddedToken[0]);
        details.put("stand_in_padded_tokens_per_doc", cpuSide.best().meter().paddedTokensPerDoc());
        repeatSpreads.put("cpu_side_split", cpuSide.spread());
        repeatSpreads.put("stand_in_pipeline", sized.spread());
        repeatSpreads.put("cpu_side_split_unordered", unordered.spread());
        scaling.forEach((workers, best) -> repeatSpreads.put("scaling_" + workers, best.spread()));
        return new StandInRuns(full, standIn, cpuSide.best().meter().paddedTokensPerDoc());
    }

    /**
     * {@code accelerator_busy_calibrated}, {@code vs_per_record_map_accel} and {@code
     * vs_count_window_accel}: Tandem and the two alternatives on the calibrated stand-in, side by
     * side, beside what the A30 table alone predicts.
     */
    private void measureCalibrated(OnnxTokenClassifier classifier, int p) throws Exception {
        step("calibrated accelerator (" + A30Calibration.INSTANCE + "; a stand-in, no GPU)");
        StandInModel calibrated = StandInModel.calibrated(classifier);
        int accelDocs = settings.fastDocs();
        Best accelTandem = new Best(Measured::steady);
        Best accelPerRecord = new Best(Measured::steady);
        Best accelCountWindow = new Best(Measured::steady);
        measureInterleaved(
                List.of(
                        () ->
                                accelTandem.add(
                                        tandem(
                                                "calibrated, P=" + p + ", C=1",
                                                calibrated,
                                                p,
                                                1,
                                                true,
                                                BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK
                                                        .defaultValue(),
                                                accelDocs)),
                        () ->
                                accelPerRecord.add(
                                        logged(
                                                "per-record map, calibrated",
                                                alternative(
                                                        "per-record map, calibrated",
                                                        calibrated,
                                                        Alternatives::perRecordMap,
                                                        p,
                                                        accelDocs,
                                                        accelDocs))),
                        () ->
                                accelCountWindow.add(
                                        logged(
                                                "countWindow(32), calibrated",
                                                alternative(
                                                        "countWindow(32), calibrated",
                                                        calibrated,
                                                        Alternatives::countWindow,
                                                        p,
                                                        accelDocs,
                                                        accelDocs
                                                                - Alternatives.WINDOW_DOCS * p)))));
        Measured accel = accelTandem.best();
        figures.put("accelerator_busy_calibrated", accel.steadyBusyShare());
        perRound("accelerator_busy_calibrated", round -> accelTandem.run(round).steadyBusyShare());
        medianOfRounds(
                "vs_per_record_map_accel",
                round -> accelTandem.score(round) / accelPerRecord.score(round));
        medianOfRounds(
                "vs_count_window_accel",
                round -> accelTandem.score(round) / accelCountWindow.score(round));
        // What the table alone predicts: the accelerator time per document of the alternative's
        // calls over Tandem's, on the batches each run really made.
        double tandemCost = accel.meter().costPerDoc(A30Calibration.INSTANCE);
        Map<String, Double> predicted = new LinkedHashMap<>();
        predicted.put("accelerator_busy_calibrated", 1.0);
        predicted.put(
                "vs_per_record_map_accel",
                accelPerRecord.best().meter().costPerDoc(A30Calibration.INSTANCE) / tandemCost);
        predicted.put(
                "vs_count_window_accel",
                accelCountWindow.best().meter().costPerDoc(A30Calibration.INSTANCE) / tandemCost);
        details.put(BenchReport.PREDICTED, predicted);
        details.put("calibrated_accelerator", A30Calibration.INSTANCE.toString());
        details.put("calibrated_ms_per_doc_tandem", tandemCost / 1e6);
        throughput.put("calibrated_tandem", accelTandem.score());
        throughput.put("calibrated_per_record_map", accelPerRecord.score());
        throughput.put("calibrated_count_window", accelCountWindow.score());
        throughput.put("calibrated_only", 1e9 / tandemCost);
        repeatSpreads.put("calibrated_tandem", accelTandem.spread());
        repeatSpreads.put("calibrated_per_record_map", accelPerRecord.spread());
        repeatSpreads.put("calibrated_count_window", accelCountWindow.spread());
    }

    /**
     * {@code scale_sim_efficiency}: {@value #SCALE_CPU_WORKERS} CPU and {@value
     * #SCALE_INFERENCE_WORKERS} inference subtasks parked for their costs, partitioned and
     * round-robin input alternating, against the ideal of each run's own padding.
     *
     * @param tokensPerDoc padded tokens per document of the stand-in runs, which set the costs
     */
    private void measureScaleSimulation(OnnxTokenClassifier classifier, double tokensPerDoc)
            throws Exception {
        step(
                "scale simulation (P="
                        + SCALE_CPU_WORKERS
                        + " CPU subtasks parked per document, C="
                        + SCALE_INFERENCE_WORKERS
                        + " inference subtasks parked per padded token)");
        // The CPU side has the deployments' headroom: the inference side is STAND_IN_SHARE of it.
        double cpuSecondsPerDoc = SCALE_CPU_WORKERS / (SCALE_INFERENCE_DOCS_PER_S / STAND_IN_SHARE);
        double inferenceNanosPerToken =
                SCALE_INFERENCE_WORKERS / SCALE_INFERENCE_DOCS_PER_S * 1e9 / tokensPerDoc;
        ParkPerDocument cpuCost = new ParkPerDocument(Math.round(cpuSecondsPerDoc * 1e9));
        StandInModel inferenceCost = new StandInModel(classifier, inferenceNanosPerToken);
        // Two layouts of the input. Partitioned, as a continuous job reads Kafka: each CPU subtask
        // reads its own share and goes at its own pace (the figure). Round-robin from one source,
        // as a file is read: Flink's rebalance writes to every channel in turn, so when the
        // heavy-tailed document lengths load one inference subtask more than the others, its
        // producers' backlog stops the source, and every producer goes at that consumer's pace.
        Best scale = new Best(Measured::steady);
        Best scaleRoundRobin = new Best(Measured::steady);
        int scaleDocs = 2 * settings.fastDocs();
        for (int repeat = 0; repeat < settings.repeats(); repeat++) {
            for (boolean partitioned : new boolean[] {true, false}) {
                String name = "scale simulation, " + (partitioned ? "partitioned" : "round-robin");
                Measured run =
                        measured(
                                name,
                                inferenceCost,
                                model -> withModel(model, cpuCost),
                                new Configuration(),
                                SCALE_CPU_WORKERS,
                                SCALE_INFERENCE_WORKERS,
                                scaleDocs,
                                RateLimiterStrategy.noOp(),
                                !partitioned,
                                null,
                                null,
                                partitioned);
                log.printf(
                        Locale.ROOT, "bench:   %-28s %8.1f docs/s (steady)%n", name, run.steady());
                (partitioned ? scale : scaleRoundRobin).add(run);
            }
        }
        // The ideal of a run: its own padding sets what the parked inference side can do.
        ToDoubleFunction<Measured> idealOf =
                run ->
                        Math.min(
                                SCALE_CPU_WORKERS / cpuSecondsPerDoc,
                                SCALE_INFERENCE_WORKERS
                                        / (inferenceNanosPerToken
                                                * run.meter().paddedTokensPerDoc()
                                                / 1e9));
        double scaleIdeal = idealOf.applyAsDouble(scale.best());
        figures.put("scale_sim_efficiency", scale.score() / scaleIdeal);
        perRound(
                "scale_sim_efficiency",
                round -> scale.score(round) / idealOf.applyAsDouble(scale.run(round)));
        throughput.put("scale_sim", scale.score());
        throughput.put("scale_sim_ideal", scaleIdeal);
        throughput.put("scale_sim_round_robin", scaleRoundRobin.score());
        throughput.put(
                "scale_sim_round_robin_ideal", idealOf.applyAsDouble(scaleRoundRobin.best()));
        details.put(
                "scale_sim_efficiency_round_robin",
                scaleRoundRobin.score() / idealOf.applyAsDouble(scaleRoundRobin.best()));
        details.put(
                "scale_sim",
                Map.of(
                        "cpu_workers",
                        SCALE_CPU_WORKERS,
                        "inference_workers",
                        SCALE_INFERENCE_WORKERS,
                        "cpu_ms_per_doc",
                        cpuSecondsPerDoc * 1e3,
                        "inference_ns_per_padded_token",
                        inferenceNanosPerToken,
                        "docs",
                        scaleDocs,
                        // How alike the inference subtasks' loads were in the steady part.
                        "busy_share_by_inference_subtask",
                        scale.best().steadyBusyShareByRunner(),
                        "busy_share_by_inference_subtask_round_robin",
                        scaleRoundRobin.best().steadyBusyShareByRunner()));
        FileInputEfficiency.Figures fileInput =
                FileInputEfficiency.measure(
                        log,
                        inferenceCost,
                        cpuCost,
                        idealOf,
                        SCALE_CPU_WORKERS,
                        SCALE_INFERENCE_WORKERS,
                        scaleDocs,
                        settings.repeats());
        figures.put("file_input_efficiency", fileInput.efficiency());
        figureRounds.put("file_input_efficiency", fileInput.efficiencyByRound());
        details.put("file_input", fileInput.details());
        documentsEdge(figures, details, inferenceCost, cpuCost, idealOf, scaleDocs);
        ScheduleStats schedule =
                ScheduleStats.of(DispatchSchedule.of(SCHEDULE_PRODUCERS, SCHEDULE_CONSUMERS));
        ScheduleStats reference =
                ScheduleStats.of(ReferenceSchedule.of(SCHEDULE_PRODUCERS, SCHEDULE_CONSUMERS));
        details.put(
                "schedule_max_producers_per_consumer_"
                        + SCHEDULE_PRODUCERS
                        + "x"
                        + SCHEDULE_CONSUMERS,
                Map.of(
                        "tandem", schedule.maxProducersPerConsumer(),
                        "reference", reference.maxProducersPerConsumer()));
        log.printf(
                Locale.ROOT,
                "bench:   schedule at P=%d, C=%d: at most %d producers per consumer (reference %d)%n",
                SCHEDULE_PRODUCERS,
                SCHEDULE_CONSUMERS,
                schedule.maxProducersPerConsumer(),
                reference.maxProducersPerConsumer());
        repeatSpreads.put("scale_sim", scale.spread());
    }

    /**
     * {@code latency_p99_ms}: the sized stand-in at {@code rate} documents per second, the best of
     * the rounds.
     */
    private void measureLatency(StandInModel standIn, int p, double rate) throws Exception {
        step(
                "latency at half the maximum rate, "
                        + LATENCY_MAX_BATCH_DELAY.toMillis()
                        + " ms batch delay");
        List<Double> latencies = new ArrayList<>();
        for (int repeat = 0; repeat < settings.repeats(); repeat++) {
            latencies.add(latencyP99(standIn, p, rate));
        }
        // As with throughputs, the best run counts: neighbours only ever add latency.
        double p99 = Collections.min(latencies);
        figureRounds.put("latency_p99_ms", latencies);
        figures.put("latency_p99_ms", p99);
        details.put("latency_rate_docs_per_s", rate);
        details.put("latency_flink_buffer_timeout_ms", LATENCY_BUFFER_TIMEOUT.toMillis());
    }

    /**
     * Only {@link #measureClinicalLengths}, for a targeted run: after one untimed round of its
     * throughput runs when the settings warm up (the first jobs of a JVM run slower, and without
     * the rest of the bench before it nothing else warms the JIT).
     *
     * @return the group's figures and, under {@code details}, the measurements behind them
     */
    public Map<String, Object> runClinicalLengths() throws Exception {
        long started = System.nanoTime();
        details.put("settings", settings.name());
        details.put("cpus", Runtime.getRuntime().availableProcessors());
        details.put("repeats", settings.repeats());
        if (settings.warmUp()) {
            warmUpClinical(settings.cpuWorkers());
        }
        measureClinicalLengths(settings.cpuWorkers());
        details.put("figures_by_round", figureRounds);
        details.put("throughput_docs_per_s", throughput);
        details.put("spread_of_repeats", repeatSpreads);
        details.put("spread", spreads(figures));
        details.put("wall_s", (System.nanoTime() - started) / 1e9);
        Map<String, Object> report = new LinkedHashMap<>(figures);
        report.put("details", details);
        return report;
    }

    /**
     * {@code vs_count_window_accel_clinical}, {@code latency_p99_low_rate_ms} and {@code
     * latency_low_rate_bound_ms}: the sample corpus at clinical lengths ({@link
     * LengthProfile#CLINICAL}) in {@value #CLINICAL_WINDOW}-piece windows, on the calibrated
     * stand-in. Tandem against countWindow(32) side by side (interleaved rounds), then both at
     * {@value #LOW_RATE_DOCS_PER_S} documents per second, where a count window waits for its 32
     * documents.
     */
    private void measureClinicalLengths(int p) throws Exception {
        step(
                "clinical lengths (window "
                        + CLINICAL_WINDOW
                        + ", calibrated accelerator; a stand-in, no GPU)");
        details.put("clinical_window_word_pieces", CLINICAL_WINDOW);
        details.put(
                "clinical_padding",
                Map.of(
                        "padded_words", clinicalPadding(DEFAULT_BATCH_SIZE, true),
                        "count_window_docs",
                                clinicalPadding(Alternatives.WINDOW_DOCS + " docs", false)));
        StandInModel calibrated =
                StandInModel.calibrated(
                        OnnxTokenClassifier.builder().maxLength(CLINICAL_WINDOW).build());
        // Notes of over twice the default corpus's mean length (3,300 characters against 1,400):
        // a third of the documents keeps the runs short, and the count window still fires several
        // times per subtask.
        int docs = Math.max(settings.fastDocs() / 3, 4 * Alternatives.WINDOW_DOCS * p);
        details.put("clinical_docs", docs);
        Best tandem = new Best(Measured::steady);
        Best countWindow = new Best(Measured::steady);
        lengths = LengthProfile.CLINICAL;
        try {
            measureInterleaved(
                    List.of(
                            () ->
                                    tandem.add(
                                            tandem(
                                                    "clinical, calibrated, P=" + p,
                                                    calibrated,
                                                    p,
                                                    1,
                                                    true,
                                                    BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK
                                                            .defaultValue(),
                                                    docs)),
                            () ->
                                    countWindow.add(
                                            logged(
                                                    "clinical, countWindow(32)",
                                                    alternative(
                                                            "clinical, countWindow(32)",
                                                            calibrated,
                                                            Alternatives::countWindow,
                                                            p,
                                                            docs,
                                                            docs - Alternatives.WINDOW_DOCS * p,
                                                            RateLimiterStrategy.noOp(),
                                                            null)))));
            medianOfRounds(
                    "vs_count_window_accel_clinical",
                    round -> tandem.score(round) / countWindow.score(round));
            // What the table alone predicts, beside the calibrated group's predictions.
            double tandemCost = tandem.best().meter().costPerDoc(A30Calibration.INSTANCE);
            @SuppressWarnings("unchecked")
            Map<String, Double> predicted =
                    (Map<String, Double>)
                            details.computeIfAbsent(
                                    BenchReport.PREDICTED, key -> new LinkedHashMap<>());
            predicted.put(
                    "vs_count_window_accel_clinical",
                    countWindow.best().meter().costPerDoc(A30Calibration.INSTANCE) / tandemCost);
            // What the table predicts had Tandem's batches run by length buckets, as they do on
            // the CPU: the accelerator runs them whole (BucketedForward says why).
            details.put(
                    "vs_count_window_accel_clinical_buckets_predicted",
                    countWindow.best().meter().costPerDoc(A30Calibration.INSTANCE)
                            / tandem.best().meter().costPerDocByBuckets(A30Calibration.INSTANCE));
            throughput.put("clinical_calibrated_tandem", tandem.score());
            throughput.put("clinical_calibrated_count_window", countWindow.score());
            throughput.put("clinical_calibrated_only", 1e9 / tandemCost);
            repeatSpreads.put("clinical_calibrated_tandem", tandem.spread());
            repeatSpreads.put("clinical_calibrated_count_window", countWindow.spread());
            measureLowRate(calibrated, p);
        } finally {
            lengths = LengthProfile.DEFAULT;
        }
    }

    /** One untimed run of each of the clinical group's throughput runs. */
    private void warmUpClinical(int p) throws Exception {
        step("warm-up (clinical lengths, untimed)");
        StandInModel calibrated =
                StandInModel.calibrated(
                        OnnxTokenClassifier.builder().maxLength(CLINICAL_WINDOW).build());
        int docs = Math.max(settings.fastDocs() / 3, 4 * Alternatives.WINDOW_DOCS * p);
        lengths = LengthProfile.CLINICAL;
        try {
            tandem(
                    "warm-up",
                    calibrated,
                    p,
                    1,
                    true,
                    BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK.defaultValue(),
                    docs);
            alternative(
                    "warm-up",
                    calibrated,
                    Alternatives::countWindow,
                    p,
                    docs,
                    docs - Alternatives.WINDOW_DOCS * p);
        } finally {
            lengths = LengthProfile.DEFAULT;
        }
    }

    /**
     * {@code latency_p99_low_rate_ms} against its bound, {@code latency_low_rate_bound_ms}: the max
     * batch delay plus the longest forward pass of the run; countWindow(32)'s time to output at the
     * same rate beside it (measured once: it is set by the rate, not by the machine).
     */
    private void measureLowRate(StandInModel calibrated, int p) throws Exception {
        step(
                "latency at "
                        + LOW_RATE_DOCS_PER_S
                        + " documents/s, "
                        + LATENCY_MAX_BATCH_DELAY.toMillis()
                        + " ms batch delay");
        Configuration options = new Configuration();
        options.set(BatchingOptions.MAX_BATCH_DELAY, LATENCY_MAX_BATCH_DELAY);
        List<Double> latencies = new ArrayList<>();
        List<Double> bounds = new ArrayList<>();
        for (int repeat = 0; repeat < settings.repeats(); repeat++) {
            Measured run =
                    measured(
                            "clinical, low rate",
                            calibrated,
                            options,
                            p,
                            1,
                            LOW_RATE_TANDEM_DOCS,
                            RateLimiterStrategy.perSecond(LOW_RATE_DOCS_PER_S),
                            true,
                            LATENCY_BUFFER_TIMEOUT);
            // From the steady part, as latency_p99_ms: the first documents meet a cold pipeline
            // (classes loading, the JIT, the stand-in's first pass), which no bound speaks of.
            latencies.add(RunRecorder.percentile(run.recorder().latenciesMillis(STEADY_FROM), 99));
            bounds.add(LATENCY_MAX_BATCH_DELAY.toMillis() + run.meter().longestPassNanos() / 1e6);
            log.printf(
                    Locale.ROOT,
                    "bench:   %-28s %8.1f ms p99, bound %.1f ms%n",
                    "tandem, low rate",
                    latencies.get(repeat),
                    bounds.get(repeat));
        }
        // The best run counts, as for latency_p99_ms; the bound is that run's own.
        int best = latencies.indexOf(Collections.min(latencies));
        figures.put("latency_p99_low_rate_ms", latencies.get(best));
        figureRounds.put("latency_p99_low_rate_ms", latencies);
        figures.put("latency_low_rate_bound_ms", bounds.get(best));
        figureRounds.put("latency_low_rate_bound_ms", bounds);

        // One window per subtask fills; the documents after it wait for windows that never fill
        // and are never output.
        int windowDocs = Alternatives.WINDOW_DOCS * p;
        int countWindowDocs = windowDocs + windowDocs / 4;
        Measured countWindow =
                alternative(
                        "clinical, countWindow(32), low rate",
                        calibrated,
                        Alternatives::countWindow,
                        p,
                        countWindowDocs,
                        windowDocs,
                        RateLimiterStrategy.perSecond(LOW_RATE_DOCS_PER_S),
                        LATENCY_BUFFER_TIMEOUT);
        double[] countWindowLatencies = countWindow.recorder().latenciesMillis(0);
        double countWindowP99 = RunRecorder.percentile(countWindowLatencies, 99);
        log.printf(
                Locale.ROOT,
                "bench:   %-28s %8.1f ms p99 of the %d of %d documents output%n",
                "countWindow(32), low rate",
                countWindowP99,
                countWindowLatencies.length,
                countWindowDocs);
        Map<String, Object> lowRate = new LinkedHashMap<>();
        lowRate.put("rate_docs_per_s", LOW_RATE_DOCS_PER_S);
        lowRate.put("max_batch_delay_ms", LATENCY_MAX_BATCH_DELAY.toMillis());
        lowRate.put("flink_buffer_timeout_ms", LATENCY_BUFFER_TIMEOUT.toMillis());
        lowRate.put("tandem_docs", LOW_RATE_TANDEM_DOCS);
        lowRate.put("count_window_p99_ms", countWindowP99);
        lowRate.put("count_window_docs", countWindowDocs);
        lowRate.put("count_window_docs_output", countWindowLatencies.length);
        // A window's first document waits for its 31 others, which come every P-th document.
        lowRate.put(
                "count_window_longest_wait_expected_ms",
                1000.0 * (Alternatives.WINDOW_DOCS - 1) * p / LOW_RATE_DOCS_PER_S);
        details.put("latency_low_rate", lowRate);
    }

    /** Padded / real tokens of the clinical corpus in {@value #CLINICAL_WINDOW}-piece windows. */
    private double clinicalPadding(String batchSize, boolean sorted) throws Exception {
        return EdgeReport.measure(
                        settings.fastDocs(),
                        batchSize,
                        sorted,
                        CHUNK_SIZE,
                        CLINICAL_WINDOW,
                        LengthProfile.CLINICAL)
                .paddingRatio();
    }

    /**
     * {@code pipeline_efficiency_cpu}, {@code vs_per_record_map} and {@code vs_count_window}: the
     * model on the CPU, Tandem, its CPU side alone, the forward passes alone and the two
     * alternatives, side by side.
     */
    private void measureModelOnCpu(OnnxTokenClassifier classifier, int p) throws Exception {
        // The bench encoder as an export (model, tokenizer.json, config.json), in memory.
        OnnxTokenClassifier realModel =
                settings.benchModel()
                        ? OnnxTokenClassifier.builder()
                                .model(ModelLocation.GENERATED_PREFIX + BenchModel.NAME)
                                .maxLength(settings.maxLength())
                                .build()
                        : classifier;
        step("model '" + details.get("model") + "' on the CPU (" + p + " workers)");
        Best cpuSideLocal = new Best(Measured::whole);
        Best tandem = new Best(Measured::whole);
        List<Double> forwardOnly = new ArrayList<>();
        Best perRecord = new Best(Measured::whole);
        Best perRecordBucketed = new Best(Measured::whole);
        List<Double> countWindow = new ArrayList<>();
        List<Measurement> modelRuns = new ArrayList<>();
        modelRuns.add(
                () ->
                        cpuSideLocal.add(
                                tandem(
                                        "cpu-side-local",
                                        StandInModel.instant(classifier),
                                        p,
                                        0,
                                        true)));
        modelRuns.add(
                () -> {
                    Measured run = tandemWithModel(realModel, p);
                    tandem.add(run);
                    forwardOnly.add(forwardOnly(realModel, run.meter(), p));
                });
        // The alternatives call the model as a user's function calls ONNX Runtime: each batch
        // whole. The per-record map also runs once on Tandem's own CPU runner (length buckets),
        // to show what the graph alone is worth against it.
        modelRuns.add(
                () ->
                        perRecord.add(
                                wholeRun(
                                        "per-record map",
                                        alternative(
                                                "per-record map",
                                                new WholeBatches<>(realModel),
                                                Alternatives::perRecordMap,
                                                p,
                                                settings.modelDocs(),
                                                settings.modelDocs()))));
        modelRuns.add(
                () ->
                        perRecordBucketed.add(
                                wholeRun(
                                        "per-record map, buckets",
                                        alternative(
                                                "per-record map, buckets",
                                                realModel,
                                                Alternatives::perRecordMap,
                                                p,
                                                settings.modelDocs(),
                                                settings.modelDocs()))));
        modelRuns.add(
                () ->
                        countWindow.add(
                                alternative(
                                        "countWindow(32)",
                                        new WholeBatches<>(realModel),
                                        Alternatives::countWindow,
                                        p,
                                        settings.modelDocs() - Alternatives.WINDOW_DOCS * p)));
        measureInterleaved(modelRuns);
        double bestForwardOnly = Collections.max(forwardOnly);
        // Its ideal comes from two other runs of the same round, so it is a ratio of runs side by
        // side too: the best of each came from one odd round of a full run, whose figure read
        // 0.82, that round's, against 0.96 in the other two.
        medianOfRounds(
                "pipeline_efficiency_cpu",
                round ->
                        tandem.score(round)
                                / (1
                                        / (1 / cpuSideLocal.score(round)
                                                + 1 / forwardOnly.get(round))));
        medianOfRounds("vs_per_record_map", round -> tandem.score(round) / perRecord.score(round));
        medianOfRounds("vs_count_window", round -> tandem.score(round) / countWindow.get(round));
        throughput.put("cpu_side_local", cpuSideLocal.score());
        throughput.put("forward_only", bestForwardOnly);
        throughput.put("tandem", tandem.score());
        throughput.put("per_record_map", perRecord.score());
        throughput.put("count_window", Collections.max(countWindow));
        throughput.put("per_record_map_buckets", perRecordBucketed.score());
        details.put("tandem_padded_tokens_per_doc", tandem.best().meter().paddedTokensPerDoc());
        // Where the time goes, per document (item: why Tandem gains little over a per-record map
        // on the CPU): forward passes cost their padded tokens, which length buckets cut.
        Map<String, Object> perDoc = new LinkedHashMap<>();
        perDoc.put("tandem_padded_tokens_batched", tandem.best().meter().paddedTokensPerDoc());
        perDoc.put(
                "tandem_padded_tokens_computed",
                tandem.best().meter().bucketedPaddedTokensPerDoc());
        perDoc.put(
                "per_record_map_padded_tokens_computed",
                perRecord.best().meter().paddedTokensPerDoc());
        perDoc.put(
                "per_record_map_buckets_padded_tokens_computed",
                perRecordBucketed.best().meter().bucketedPaddedTokensPerDoc());
        perDoc.put("tandem_forward_ms", forwardMillisPerDoc(tandem.best()));
        perDoc.put("per_record_map_forward_ms", forwardMillisPerDoc(perRecord.best()));
        perDoc.put(
                "per_record_map_buckets_forward_ms", forwardMillisPerDoc(perRecordBucketed.best()));
        perDoc.put("tandem_wall_ms_per_worker", p * 1e3 / tandem.score());
        perDoc.put("per_record_map_wall_ms_per_worker", p * 1e3 / perRecord.score());
        details.put("model_on_cpu_per_doc", perDoc);
        details.put("tandem_batches", tandem.best().meter().shapes().size());
    }

    /**
     * The documents edge carries handles, the documents stay in the JVM: {@code
     * documents_edge_bytes_per_doc} (with the serializer Flink uses for the join's first input),
     * and the scale simulation as built beside the same simulation with the documents'
     * serialization put back on the CPU side ({@link SerializeDocuments}: what the edge cost when
     * it carried them), interleaved round by round.
     */
    void documentsEdge(
            Map<String, Double> figures,
            Map<String, Object> details,
            ModelComponent<?> inferenceCost,
            PipelineComponent cpuCost,
            ToDoubleFunction<Measured> idealOf,
            int docs)
            throws Exception {
        step("documents edge: handles, and the scale simulation with documents serialized");
        EdgeReport.Figures edge =
                EdgeReport.measure(
                        settings.fastDocs(),
                        DEFAULT_BATCH_SIZE,
                        true,
                        CHUNK_SIZE,
                        settings.maxLength());
        figures.put("documents_edge_bytes_per_doc", edge.documentsEdgeBytesPerDoc());
        details.put("documents_serialized_bytes_per_doc", edge.documentBytesPerDoc());
        details.put(
                "documents_edge_serialize_deserialize_us_per_doc",
                Map.of(
                        "handles", edge.documentsEdgeNanosPerDoc() / 1e3,
                        "documents_serialized", edge.documentNanosPerDoc() / 1e3));
        Function<ModelComponent<?>, Pipeline> serialized =
                model -> {
                    Pipeline.Builder builder = Pipeline.builder();
                    for (PipelineComponent component : withModel(model, cpuCost).components()) {
                        if (component instanceof ModelStep) {
                            builder.add(new SerializeDocuments());
                        }
                        builder.add(component);
                    }
                    return builder.build();
                };
        Best handles = new Best(Measured::steady);
        Best serializedDocs = new Best(Measured::steady);
        // The process's CPU time per document of each run: what the cores did, which other
        // workloads on the machine move less than they move a throughput.
        List<Double> handlesCpu = new ArrayList<>();
        List<Double> serializedCpu = new ArrayList<>();
        measureInterleaved(
                List.of(
                        () ->
                                handles.add(
                                        scaleSimulation(
                                                "scale simulation, documents handed over",
                                                inferenceCost,
                                                model -> withModel(model, cpuCost),
                                                docs,
                                                handlesCpu)),
                        () ->
                                serializedDocs.add(
                                        scaleSimulation(
                                                "scale simulation, documents serialized",
                                                inferenceCost,
                                                serialized,
                                                docs,
                                                serializedCpu))));
        details.put(
                "scale_sim_cpu_ms_per_doc",
                Map.of(
                        "documents_handed_over", handlesCpu,
                        "documents_serialized", serializedCpu));
        figures.put(
                "scale_sim_efficiency_documents_handed_over",
                handles.score() / idealOf.applyAsDouble(handles.best()));
        perRound(
                "scale_sim_efficiency_documents_handed_over",
                round -> handles.score(round) / idealOf.applyAsDouble(handles.run(round)));
        figures.put(
                "scale_sim_efficiency_documents_serialized",
                serializedDocs.score() / idealOf.applyAsDouble(serializedDocs.best()));
        perRound(
                "scale_sim_efficiency_documents_serialized",
                round ->
                        serializedDocs.score(round)
                                / idealOf.applyAsDouble(serializedDocs.run(round)));
    }

    /**
     * One partitioned run of the scale simulation with {@code pipeline}; adds the process's CPU
     * milliseconds per document over the run (job start and end included) to {@code cpuMsPerDoc}.
     */
    private Measured scaleSimulation(
            String name,
            ModelComponent<?> inferenceCost,
            Function<ModelComponent<?>, Pipeline> pipeline,
            int docs,
            List<Double> cpuMsPerDoc)
            throws Exception {
        var os =
                (com.sun.management.OperatingSystemMXBean)
                        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        long cpuBefore = os.getProcessCpuTime();
        Measured run =
                measured(
                        name,
                        inferenceCost,
                        pipeline,
                        new Configuration(),
                        SCALE_CPU_WORKERS,
                        SCALE_INFERENCE_WORKERS,
                        docs,
                        RateLimiterStrategy.noOp(),
                        false,
                        null,
                        null,
                        true);
        double cpuMs = (os.getProcessCpuTime() - cpuBefore) / 1e6 / docs;
        cpuMsPerDoc.add(cpuMs);
        log.printf(
                Locale.ROOT,
                "bench:   %-28s %8.1f docs/s (steady), %.3f CPU ms per document%n",
                name,
                run.steady(),
                cpuMs);
        return run;
    }

    private void step(String what) {
        log.println("bench: " + what);
        log.flush();
    }

    /** The default pipeline with its model component replaced. */
    static Pipeline withModel(ModelComponent<?> model) {
        Pipeline.Builder builder = Pipeline.builder();
        for (PipelineComponent component : Pipeline.defaultPipeline().components()) {
            builder.add(component instanceof ModelStep ? new ModelStep(model) : component);
        }
        return builder.build();
    }

    /** {@link #withModel}, with {@code cpuCost} run on every document before the model. */
    static Pipeline withModel(ModelComponent<?> model, PipelineComponent cpuCost) {
        Pipeline.Builder builder = Pipeline.builder();
        for (PipelineComponent component : withModel(model).components()) {
            if (component instanceof ModelStep) {
                builder.add(cpuCost);
            }
            builder.add(component);
        }
        return builder.build();
    }

    /** {@code run}, its whole-run throughput logged. */
    private Measured wholeRun(String name, Measured run) {
        log.printf(Locale.ROOT, "bench:   %-28s %8.1f docs/s%n", name, run.whole());
        return run;
    }

    /** Milliseconds of forward passes per document in {@code run}. */
    private static double forwardMillisPerDoc(Measured run) {
        return run.meter().forwardNanos.get() / 1e6 / run.meter().docs.get();
    }

    private Measured logged(String name, Measured run) {
        log.printf(
                Locale.ROOT,
                "bench:   %-28s %8.1f docs/s (steady), %8.1f docs/s (whole run)%n",
                name,
                run.steady(),
                run.whole());
        return run;
    }

    private double padding(String batchSize, boolean sorted, int window) throws Exception {
        return EdgeReport.measure(settings.fastDocs(), batchSize, sorted, CHUNK_SIZE, window)
                .paddingRatio();
    }

    /** Forward passes alone, on the batches {@code meter}'s run made, {@code runners} at once. */
    private double forwardOnly(OnnxTokenClassifier model, MeteredModel.Meter meter, int runners)
            throws Exception {
        var batches =
                ForwardOnly.inputs(
                        meter.masks(), io.tandem.models.ClinicalVocabulary.build().tokens().size());
        double throughput = ForwardOnly.throughput(model, batches, meter.docs.get(), runners);
        log.printf(
                Locale.ROOT, "bench:   %-28s %8.1f docs/s%n", "forward passes alone", throughput);
        return throughput;
    }

    /** A stand-in run's throughput / min(CPU side only, the stand-in's own in that run). */
    private static double efficiency(Measured run, double cpuSideOnly) {
        return run.steady() / Math.min(cpuSideOnly, run.meter().forwardOnlyThroughput());
    }

    /** Documents for a run to last {@link BenchSettings#fastRunSeconds()} at that throughput. */
    private int fastRunDocsAt(double docsPerSecond) {
        return Math.max(
                settings.fastDocs(), (int) Math.ceil(docsPerSecond * settings.fastRunSeconds()));
    }

    /** Records {@code key}'s value in each round of the repeats. */
    private void perRound(String key, IntToDoubleFunction valueInRound) {
        List<Double> values = new ArrayList<>();
        for (int round = 0; round < settings.repeats(); round++) {
            values.add(valueInRound.applyAsDouble(round));
        }
        figureRounds.put(key, values);
    }

    /**
     * A ratio of throughputs measured side by side: the median of its value in each round. The best
     * of one over the best of the other can pair runs of different rounds, one before the JIT or
     * the machine's neighbours slowed the other down (a quick run's cpu_scaling_1_to_2 once read
     * 1.02 from rounds of 1.57 and 0.99).
     */
    private void medianOfRounds(String key, IntToDoubleFunction ratioInRound) {
        perRound(key, ratioInRound);
        figures.put(key, median(figureRounds.get(key)));
    }

    /** The median of {@code values}, the mean of the middle two for an even count. */
    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1
                ? sorted.get(middle)
                : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    /**
     * Each figure's spread: the range of its values over the rounds, as a share of the figure; none
     * for a figure measured once. The padding figures are deterministic (0).
     */
    private Map<String, Double> spreads(Map<String, Double> figures) {
        Map<String, Double> spreads = new LinkedHashMap<>();
        for (String key : figures.keySet()) {
            if (key.startsWith("padding_ratio_")) {
                spreads.put(key, 0.0);
                continue;
            }
            List<Double> values = figureRounds.get(key);
            if (values != null && values.size() >= 2) {
                spreads.put(key, rangeShare(values, Math.abs(figures.get(key))));
            }
        }
        return spreads;
    }

    /** (max - min) of {@code values} as a share of {@code reference}. */
    private static double rangeShare(List<Double> values, double reference) {
        return (Collections.max(values) - Collections.min(values)) / reference;
    }

    /** One measurement of an interleaved set. */
    private interface Measurement {
        void run() throws Exception;
    }

    /**
     * Runs each measurement {@code repeats} times, all of them once per round, in the opposite
     * order every other round, so that neither a busy spell of the machine nor the JIT still
     * improving favours the ones that come last.
     */
    private void measureInterleaved(List<Measurement> measurements) throws Exception {
        for (int repeat = 0; repeat < settings.repeats(); repeat++) {
            measureInOrder(measurements, repeat);
        }
    }

    /** Round {@code repeat} of {@link #measureInterleaved}: reversed every other round. */
    private static void measureInOrder(List<Measurement> measurements, int repeat)
            throws Exception {
        List<Measurement> round = new ArrayList<>(measurements);
        if (repeat % 2 == 1) {
            Collections.reverse(round);
        }
        for (Measurement measurement : round) {
            measurement.run();
        }
    }

    /**
     * The JIT keeps compiling the pipeline's code for many jobs: untimed runs until two in a row
     * are no more than 5% faster than the best before them (at most 12), each after the first as
     * long as the measured runs ({@link BenchSettings#fastRunSeconds()}) at the best throughput so
     * far. One such run was not enough: the throughput could still rise by half afterwards.
     *
     * @return the best throughput of the CPU side, documents per second
     */
    private double warmUp(OnnxTokenClassifier classifier, int cpuWorkers) throws Exception {
        step("warm-up (until the throughput stops rising)");
        double best = 0;
        int flat = 0;
        for (int run = 0; run < 12 && flat < 2; run++) {
            fastRunDocs = fastRunDocsAt(best);
            double throughput =
                    tandem("warm-up", StandInModel.instant(classifier), cpuWorkers, 1, true)
                            .steady();
            flat = run >= 1 && throughput < best * 1.05 ? flat + 1 : 0;
            best = Math.max(best, throughput);
        }
        return best;
    }

    /** The best of several runs by a throughput. */
    private static final class Best {
        private final Function<Measured, Double> score;
        private final List<Double> scores = new ArrayList<>();
        private final List<Measured> runs = new ArrayList<>();
        private Measured best;

        Best(Function<Measured, Double> score) {
            this.score = score;
        }

        /** Whether {@code run} is the best so far. */
        boolean add(Measured run) {
            scores.add(score.apply(run));
            runs.add(run);
            if (best == null || score.apply(run) > score.apply(best)) {
                best = run;
                return true;
            }
            return false;
        }

        Measured best() {
            return best;
        }

        double score() {
            return score.apply(best);
        }

        /** The run of round {@code round} (runs are added one per round). */
        Measured run(int round) {
            return runs.get(round);
        }

        double score(int round) {
            return scores.get(round);
        }

        /** (best - worst) / best of the repeats: 0 after one run. */
        double spread() {
            return rangeShare(scores, Collections.max(scores));
        }
    }

    private <F extends Serializable> Measured tandem(
            String name,
            ModelComponent<F> model,
            int cpuWorkers,
            int gpuWorkers,
            boolean deterministic)
            throws Exception {
        return tandem(
                name,
                model,
                cpuWorkers,
                gpuWorkers,
                deterministic,
                BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK.defaultValue());
    }

    /** A run of {@link #fastRunDocs} documents. */
    private <F extends Serializable> Measured tandem(
            String name,
            ModelComponent<F> model,
            int cpuWorkers,
            int gpuWorkers,
            boolean deterministic,
            int batchesInFlight)
            throws Exception {
        return tandem(
                name, model, cpuWorkers, gpuWorkers, deterministic, batchesInFlight, fastRunDocs);
    }

    private <F extends Serializable> Measured tandem(
            String name,
            ModelComponent<F> model,
            int cpuWorkers,
            int gpuWorkers,
            boolean deterministic,
            int batchesInFlight,
            int docs)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.DETERMINISTIC, deterministic);
        options.set(BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK, batchesInFlight);
        Measured run =
                measured(
                        name,
                        model,
                        options,
                        cpuWorkers,
                        gpuWorkers,
                        docs,
                        RateLimiterStrategy.noOp(),
                        deterministic,
                        null);
        log.printf(
                Locale.ROOT,
                "bench:   %-28s %8.1f docs/s (steady), %8.1f docs/s (whole run)%n",
                name,
                run.steady(),
                run.whole());
        return run;
    }

    /**
     * Documents per second (whole run, as the CPU figures) through Tandem's layout without a GPU
     * with {@code model} as the default pipeline's model, on the sample documents at {@code
     * corpusIndices}: for comparisons with a library that only test code reaches.
     */
    public double inPlaceThroughput(
            String name, ModelComponent<?> model, long[] corpusIndices, int cpuWorkers)
            throws Exception {
        Measured run =
                measured(
                        name,
                        model,
                        Bench::withModel,
                        new Configuration(),
                        cpuWorkers,
                        0,
                        corpusIndices.length,
                        RateLimiterStrategy.noOp(),
                        true,
                        null,
                        corpusIndices,
                        false);
        log.printf(Locale.ROOT, "bench:   %-28s %8.1f docs/s%n", name, run.whole());
        return run.whole();
    }

    /** Tandem's layout without a GPU: the CPU subtasks run the forward passes themselves. */
    private Measured tandemWithModel(OnnxTokenClassifier model, int cpuWorkers) throws Exception {
        Measured run =
                measured(
                        "tandem",
                        model,
                        new Configuration(),
                        cpuWorkers,
                        0,
                        settings.modelDocs(),
                        RateLimiterStrategy.noOp(),
                        true,
                        null);
        return wholeRun("tandem", run);
    }

    private double latencyP99(StandInModel standIn, int cpuWorkers, double docsPerSecond)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.MAX_BATCH_DELAY, LATENCY_MAX_BATCH_DELAY);
        Measured run =
                measured(
                        "latency",
                        standIn,
                        options,
                        cpuWorkers,
                        1,
                        settings.latencyDocs(),
                        RateLimiterStrategy.perSecond(docsPerSecond),
                        true,
                        LATENCY_BUFFER_TIMEOUT);
        double p99 = RunRecorder.percentile(run.recorder().latenciesMillis(STEADY_FROM), 99);
        log.printf(
                Locale.ROOT,
                "bench:   %-28s %8.1f ms p99 at %.1f docs/s%n",
                "latency",
                p99,
                docsPerSecond);
        return p99;
    }

    private <F extends Serializable> Measured measured(
            String name,
            ModelComponent<F> model,
            Configuration options,
            int cpuWorkers,
            int gpuWorkers,
            int docs,
            RateLimiterStrategy rate,
            boolean ordered,
            Duration bufferTimeout)
            throws Exception {
        return measured(
                name,
                model,
                Bench::withModel,
                options,
                cpuWorkers,
                gpuWorkers,
                docs,
                rate,
                ordered,
                bufferTimeout,
                null,
                false);
    }

    private <F extends Serializable> Measured measured(
            String name,
            ModelComponent<F> model,
            Function<ModelComponent<?>, Pipeline> pipeline,
            Configuration options,
            int cpuWorkers,
            int gpuWorkers,
            int docs,
            RateLimiterStrategy rate,
            boolean ordered,
            Duration bufferTimeout,
            long[] corpusIndices,
            boolean partitionedInput)
            throws Exception {
        String runId = UUID.randomUUID().toString();
        MeteredModel.Meter meter = MeteredModel.start(runId);
        try {
            TandemJob job =
                    new TandemJob(
                            options,
                            pipeline.apply(new MeteredModel<>(model, runId)),
                            cpuWorkers,
                            gpuWorkers,
                            List.of());
            RunRecorder recorder =
                    run(
                            runId,
                            name,
                            docs,
                            cpuWorkers + gpuWorkers,
                            partitionedInput ? cpuWorkers : 1,
                            rate,
                            ordered,
                            bufferTimeout,
                            docs,
                            corpusIndices,
                            in -> job.annotate(in, partitionedInput));
            return new Measured(recorder, meter);
        } finally {
            MeteredModel.stop(runId);
        }
    }

    /** One of {@link Alternatives}, built on the pipeline it is given. */
    private interface AlternativeGraph {
        DataStream<Result> apply(DataStream<RawRecord> input, Pipeline pipeline, int parallelism);
    }

    private double alternative(
            String name,
            ModelComponent<?> model,
            AlternativeGraph graph,
            int parallelism,
            int expectedArrivals)
            throws Exception {
        return wholeRun(
                        name,
                        alternative(
                                name,
                                model,
                                graph,
                                parallelism,
                                settings.modelDocs(),
                                expectedArrivals))
                .whole();
    }

    /** An alternative's run, its model metered. */
    private <F extends Serializable> Measured alternative(
            String name,
            ModelComponent<F> model,
            AlternativeGraph graph,
            int parallelism,
            int docs,
            int expectedArrivals)
            throws Exception {
        return alternative(
                name,
                model,
                graph,
                parallelism,
                docs,
                expectedArrivals,
                RateLimiterStrategy.noOp(),
                null);
    }

    /** An alternative's run at {@code rate}, its model metered. */
    private <F extends Serializable> Measured alternative(
            String name,
            ModelComponent<F> model,
            AlternativeGraph graph,
            int parallelism,
            int docs,
            int expectedArrivals,
            RateLimiterStrategy rate,
            Duration bufferTimeout)
            throws Exception {
        String runId = UUID.randomUUID().toString();
        MeteredModel.Meter meter = MeteredModel.start(runId);
        try {
            Pipeline pipeline = withModel(new MeteredModel<>(model, runId));
            RunRecorder recorder =
                    run(
                            runId,
                            name,
                            docs,
                            parallelism,
                            1,
                            rate,
                            false,
                            bufferTimeout,
                            expectedArrivals,
                            null,
                            in -> graph.apply(in, pipeline, parallelism));
            return new Measured(recorder, meter);
        } finally {
            MeteredModel.stop(runId);
        }
    }

    /** Runs one job on a local MiniCluster: timed sample source, the graph, the arrival sink. */
    private RunRecorder run(
            String runId,
            String name,
            int docs,
            int slots,
            int sourceParallelism,
            RateLimiterStrategy rate,
            boolean ordered,
            Duration bufferTimeout,
            int expectedArrivals,
            long[] corpusIndices,
            Function<DataStream<RawRecord>, DataStream<Result>> graph)
            throws Exception {
        RunRecorder recorder = RunRecorder.start(runId, docs);
        try (LocalClusters clusters = new LocalClusters()) {
            Configuration cluster = new Configuration();
            // The graph's slots, plus the sources' and the sink's.
            cluster.set(TaskManagerOptions.NUM_TASK_SLOTS, slots + sourceParallelism + 1);
            cluster.set(PipelineOptions.GENERIC_TYPES, false);
            if (bufferTimeout != null) {
                cluster.set(ExecutionOptions.BUFFER_TIMEOUT, bufferTimeout);
            }
            StreamExecutionEnvironment env = clusters.environment(cluster);
            DataStream<RawRecord> input =
                    env.fromSource(
                                    TimedSampleSource.create(
                                            runId, docs, rate, corpusIndices, lengths),
                                    WatermarkStrategy.noWatermarks(),
                                    "input")
                            .setParallelism(sourceParallelism);
            graph.apply(input)
                    .sinkTo(new ArrivalSink(runId, ordered))
                    .name("arrivals")
                    .setParallelism(1);
            env.execute("bench " + name);
            if (recorder.arrivals() < expectedArrivals) {
                throw new IllegalStateException(
                        "Benchmark run "
                                + name
                                + " delivered "
                                + recorder.arrivals()
                                + " documents, expected at least "
                                + expectedArrivals);
            }
            return recorder;
        } finally {
            RunRecorder.stop(runId);
        }
    }
}
