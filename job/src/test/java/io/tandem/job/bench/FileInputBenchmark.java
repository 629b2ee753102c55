package io.tandem.job.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.job.ParquetNotes;
import io.tandem.job.cli.TandemCli;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
import io.tandem.source.InputFiles;
import io.tandem.source.RawRecord;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures for BENCHMARKS.md, side by side in one run (not part of the build's tests: its name
 * matches neither *Test nor *ITCase). Run it with {@code mvn -B -o verify -pl job -am
 * -Dtest=FileInputBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 */
class FileInputBenchmark {
    private static final int DOCS = Integer.getInteger("tandem.bench.docs", 20_000);
    private static final int ROUNDS = 3;
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir Path dir;

    @Test
    void printFigures() throws Exception {
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
        List<String> lines = new ArrayList<>(DOCS);
        for (int i = 0; i < DOCS; i++) {
            lines.add(corpus.generate(i).toJsonLine());
        }
        Path one = Files.createDirectories(dir.resolve("one"));
        Files.write(one.resolve("all.jsonl"), lines);
        Path four = Files.createDirectories(dir.resolve("four"));
        Path fourGz = Files.createDirectories(dir.resolve("four-gz"));
        Path fourParquet = Files.createDirectories(dir.resolve("four-parquet"));
        int quarter = DOCS / 4;
        for (int f = 0; f < 4; f++) {
            List<String> part = lines.subList(f * quarter, (f + 1) * quarter);
            Files.write(four.resolve("part-" + f + ".jsonl"), part);
            try (OutputStream out =
                    new GZIPOutputStream(
                            Files.newOutputStream(fourGz.resolve("part-" + f + ".jsonl.gz")))) {
                out.write((String.join("\n", part) + "\n").getBytes(StandardCharsets.UTF_8));
            }
            ParquetNotes.write(
                    fourParquet.resolve("part-" + f + ".parquet"),
                    CompressionCodecName.SNAPPY,
                    part);
        }
        System.out.printf("corpus: %d documents%n", DOCS);
        System.out.printf(
                "size on disk: jsonl %.1f MB, jsonl.gz %.1f MB, parquet (snappy) %.1f MB%n",
                mb(four), mb(fourGz), mb(fourParquet));
        for (int round = 1; round <= ROUNDS; round++) {
            double oneFile = read(one, 2);
            double fourFiles = read(four, 2);
            double gz = read(fourGz, 2);
            double parquet = read(fourParquet, 2);
            System.out.printf(
                    "round %d read docs/s, 2 readers: 1 jsonl file %.0f | 4 jsonl files %.0f"
                            + " (x%.2f) | 4 jsonl.gz %.0f | 4 parquet %.0f (x%.2f of jsonl)%n",
                    round,
                    oneFile,
                    fourFiles,
                    fourFiles / oneFile,
                    gz,
                    parquet,
                    parquet / fourFiles);
        }
        for (int round = 1; round <= ROUNDS; round++) {
            double jsonl = pipeline(four, "jsonl");
            double parquetIn = pipeline(fourParquet, "jsonl");
            double parquetOut = pipeline(four, "parquet");
            System.out.printf(
                    "round %d whole pipeline docs/s, 2 CPU workers: jsonl->jsonl %.0f |"
                            + " parquet->jsonl %.0f (x%.2f) | jsonl->parquet %.0f (x%.2f)%n",
                    round, jsonl, parquetIn, parquetIn / jsonl, parquetOut, parquetOut / jsonl);
        }
    }

    private double read(Path input, int parallelism) throws Exception {
        Configuration config = new Configuration();
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.fromSource(
                        new FileInputSource(
                                new InputFiles(input.toString(), null), "id", "text", null),
                        WatermarkStrategy.noWatermarks(),
                        "in")
                .setParallelism(parallelism)
                .sinkTo(new DiscardingSink<RawRecord>())
                .setParallelism(parallelism);
        long start = System.nanoTime();
        env.execute("read " + input.getFileName());
        return DOCS / ((System.nanoTime() - start) / 1e9);
    }

    private double pipeline(Path input, String outputFormat) throws Exception {
        Path output = Files.createTempDirectory(dir, "out").resolve("out");
        long start = System.nanoTime();
        int exit =
                TandemCli.execute(
                        "run",
                        "--input",
                        input.toString(),
                        "--output",
                        output.toString(),
                        "--output-format",
                        outputFormat,
                        "--cpu-workers",
                        "2",
                        "--no-progress",
                        "--checkpoint-interval",
                        "10s");
        if (exit != 0) {
            throw new IllegalStateException("tandem run exited with " + exit);
        }
        return DOCS / ((System.nanoTime() - start) / 1e9);
    }

    private static double mb(Path folder) throws Exception {
        try (var files = Files.list(folder)) {
            long bytes = 0;
            for (Path f : files.toList()) {
                bytes += Files.size(f);
            }
            return bytes / 1e6;
        }
    }
}
