package io.tandem.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.BiPredicate;

/**
 * The figures of one benchmark run, what each is and its target, as a table and as JSON: the
 * figures at the top level of the JSON object under their keys, the raw measurements they come from
 * under {@code "details"}.
 */
public final class BenchReport {
    /** One figure: its key, what it is, its target and whether a value meets it. */
    public record Figure(
            String key,
            String description,
            String target,
            BiPredicate<Double, Map<String, Double>> met) {}

    /** Every figure, in the order the table lists them. */
    public static final List<Figure> FIGURES =
            List.of(
                    new Figure(
                            "pipeline_efficiency_stub",
                            "stand-in accelerator: throughput / min(CPU side only, stand-in only);"
                                    + " stand-in at 2/3 of the CPU side's speed, default batches in"
                                    + " flight",
                            ">= 0.97",
                            (v, all) -> v >= 0.97),
                    new Figure(
                            "pipeline_efficiency_cpu",
                            "bench model, CPU provider, shared cores: throughput / (1 / (1/CPU side"
                                    + " + 1/forward only))",
                            ">= 0.85",
                            (v, all) -> v >= 0.85),
                    new Figure(
                            "vs_per_record_map",
                            "throughput / a per-record map calling the model per document",
                            "> 1 (ours)",
                            (v, all) -> v > 1),
                    new Figure(
                            "vs_count_window",
                            "throughput / keyBy + countWindow(32) calling the model per window",
                            "> 1 (ours)",
                            (v, all) -> v > 1),
                    new Figure(
                            "accelerator_busy_calibrated",
                            "calibrated stand-in (BERT-base, A30 FP16 table; not a GPU): busy /"
                                    + " wall time of the inference subtask, steady part, CPU side"
                                    + " with headroom",
                            ">= 0.95",
                            (v, all) -> v >= 0.95),
                    new Figure(
                            "vs_per_record_map_accel",
                            "calibrated stand-in as one shared device: throughput / a per-record"
                                    + " map calling it per document",
                            ">= 1.3",
                            (v, all) -> v >= 1.3),
                    new Figure(
                            "vs_count_window_accel",
                            "calibrated stand-in as one shared device: throughput /"
                                    + " countWindow(32) calling it per window",
                            ">= 1.15",
                            (v, all) -> v >= 1.15),
                    new Figure(
                            "vs_count_window_accel_clinical",
                            "as vs_count_window_accel, on notes of clinical lengths (median"
                                    + " ~2,000 characters, p99 ~20,000) in 512-piece windows",
                            ">= 1.15",
                            (v, all) -> v >= 1.15),
                    new Figure(
                            "scale_sim_efficiency",
                            "P=32 CPU subtasks parked per document, C=8 inference subtasks parked"
                                    + " per padded token: throughput / min(P / CPU cost, C /"
                                    + " inference cost)",
                            ">= 0.85",
                            (v, all) -> v >= 0.85),
                    new Figure(
                            "file_input_efficiency",
                            "the scale simulation fed as a file job is fed: one JSON Lines file"
                                    + " of the sample corpus in byte ranges, a reader per CPU"
                                    + " subtask chained to parse: throughput / its ideal",
                            ">= 0.95",
                            (v, all) -> v >= 0.95),
                    new Figure(
                            "documents_edge_bytes_per_doc",
                            "bytes per document on the batcher -> join edge (handles; the documents"
                                    + " stay in the JVM), Flink's serializer of that edge",
                            "< 64",
                            (v, all) -> v < 64),
                    new Figure(
                            "scale_sim_efficiency_documents_handed_over",
                            "scale simulation as built (documents handed over in the JVM),"
                                    + " interleaved with the next",
                            ">= documents serialized",
                            (v, all) -> v >= all.get("scale_sim_efficiency_documents_serialized")),
                    new Figure(
                            "scale_sim_efficiency_documents_serialized",
                            "scale simulation with each document serialized and read back on the"
                                    + " CPU side, as the edge did before it carried handles",
                            "(reference)",
                            (v, all) -> true),
                    new Figure(
                            "serializer_vs_kryo_doc",
                            "Kryo ns / Tandem ns, serialize + deserialize, annotated document",
                            ">= 3",
                            (v, all) -> v >= 3),
                    new Figure(
                            "serializer_vs_kryo_batch",
                            "Kryo ns / Tandem ns, serialize + deserialize, 32 x 128 tensor batch",
                            ">= 3",
                            (v, all) -> v >= 3),
                    new Figure(
                            "padding_ratio_padded_words",
                            "padded / real tokens, 8000 padded_words, sorted chunks of 256",
                            "<= padding_ratio_docs",
                            (v, all) -> v <= all.get("padding_ratio_docs") + 1e-9),
                    new Figure(
                            "padding_ratio_docs",
                            "padded / real tokens, fixed batches of 32 docs, unsorted",
                            "(reference)",
                            (v, all) -> true),
                    new Figure(
                            "ordered_vs_unordered",
                            "deterministic / unordered throughput, CPU side of the split graph",
                            ">= 0.90",
                            (v, all) -> v >= 0.90),
                    new Figure(
                            "cpu_scaling_1_to_2",
                            "throughput with 2 CPU workers / with 1, fast stand-in accelerator"
                                    + " (2 cores: with 1 worker the other core runs source, join,"
                                    + " sink)",
                            ">= 1.2",
                            (v, all) -> v >= 1.2),
                    new Figure(
                            "latency_p99_ms",
                            "end-to-end p99 (ms) at half the maximum rate, 50 ms max batch delay (Flink"
                                    + " buffer timeout 10 ms)",
                            "<= 1000",
                            (v, all) -> v <= 1000),
                    new Figure(
                            "latency_p99_low_rate_ms",
                            "end-to-end p99 (ms) at 5 documents/s, clinical lengths, calibrated"
                                    + " stand-in, 50 ms max batch delay (countWindow(32) waits"
                                    + " seconds for its windows: see details)",
                            "<= latency_low_rate_bound_ms",
                            (v, all) -> v <= all.get("latency_low_rate_bound_ms")),
                    new Figure(
                            "latency_low_rate_bound_ms",
                            "max batch delay + the longest forward pass of that run",
                            "(reference)",
                            (v, all) -> true));

    private final BenchSettings settings;
    private final Map<String, Double> figures;
    private final Map<String, Object> details;

    public BenchReport(
            BenchSettings settings, Map<String, Double> figures, Map<String, Object> details) {
        for (Figure figure : FIGURES) {
            if (!figures.containsKey(figure.key())) {
                throw new IllegalArgumentException("Figure " + figure.key() + " was not measured");
            }
        }
        this.settings = settings;
        this.figures = new LinkedHashMap<>(figures);
        this.details = new LinkedHashMap<>(details);
    }

    public Map<String, Double> figures() {
        return figures;
    }

    public Map<String, Object> details() {
        return details;
    }

    public boolean met(Figure figure) {
        double value = figures.get(figure.key());
        return !Double.isNaN(value) && figure.met().test(value, figures);
    }

    /** The table {@code tandem bench} prints. */
    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(
                String.format(
                        Locale.ROOT,
                        "Tandem bench (%s): sample corpus, default pipeline, %d CPU workers,"
                                + " window %d word pieces, %d CPUs%n",
                        settings.name(),
                        settings.cpuWorkers(),
                        settings.maxLength(),
                        Runtime.getRuntime().availableProcessors()));
        String row = "%-27s %10s %7s %10s  %-22s %-4s %s%n";
        out.append(
                String.format(
                        Locale.ROOT,
                        row,
                        "figure",
                        "value",
                        "spread",
                        "predicted",
                        "target",
                        "met",
                        "what it is"));
        Map<String, Double> predicted = predicted();
        Map<String, Double> spreads = spreads();
        for (Figure figure : FIGURES) {
            Double prediction = predicted.get(figure.key());
            Double spread = spreads.get(figure.key());
            out.append(
                    String.format(
                            Locale.ROOT,
                            row,
                            figure.key(),
                            String.format(Locale.ROOT, "%.3f", figures.get(figure.key())),
                            spread == null
                                    ? "-"
                                    : String.format(Locale.ROOT, "%.0f%%", spread * 100),
                            prediction == null
                                    ? ""
                                    : String.format(Locale.ROOT, "%.3f", prediction),
                            figure.target(),
                            met(figure) ? "yes" : "NO",
                            figure.description()));
        }
        out.append(
                String.format(
                        Locale.ROOT,
                        "spread: (max - min) / value over the %d rounds (the serializers: over"
                                + " the pairs of JMH forks; '-': measured once)%n",
                        settings.repeats()));
        out.append(
                "predicted: what the A30 table alone gives on the batches each run made"
                        + System.lineSeparator());
        return out.toString();
    }

    /**
     * Each figure's spread by key: the range of its values over the rounds of the repeats, as a
     * share of the figure; no entry for a figure measured once.
     */
    public Map<String, Double> spreads() {
        return figuresInDetails(SPREAD);
    }

    /** The details' key of {@link #spreads()}. */
    public static final String SPREAD = "spread_of_figures";

    /** What the A30 table alone predicts for the calibrated figures, by key. */
    public Map<String, Double> predicted() {
        return figuresInDetails(PREDICTED);
    }

    /** A map of values by figure key that the details hold under {@code key}; empty if none. */
    @SuppressWarnings("unchecked")
    private Map<String, Double> figuresInDetails(String key) {
        Object byFigure = details.get(key);
        return byFigure == null ? Map.of() : (Map<String, Double>) byFigure;
    }

    /** The details' key of {@link #predicted()}. */
    public static final String PREDICTED = "predicted_by_a30_table";

    /** The figures under their keys, and {@code "details"}: the measurements behind them. */
    public Map<String, Object> asJson() {
        Map<String, Object> json = new LinkedHashMap<>(figures);
        json.put("details", details);
        return json;
    }

    public void writeJson(Path file) throws IOException {
        new ObjectMapper()
                .enable(SerializationFeature.INDENT_OUTPUT)
                .writeValue(file.toFile(), asJson());
    }
}
