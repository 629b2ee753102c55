package io.tandem.source;

import io.tandem.sample.SampleCorpus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figure {@code count_seconds_per_gb} for BENCHMARKS.md (not part of the build's tests: its name
 * matches neither *Test nor *ITCase): seconds spent counting the input records before the first
 * split, per GB of JSON Lines, plain and gzip, the way the source counted them before (every file
 * counted twice, one after another: once by the client, once by the enumerator) and now (once, by
 * the enumerator, each byte range and gzip file on its own thread). The files are read from the
 * page cache after a first pass, so the figure is the counting itself, not the disk. Run it with
 * {@code mvn -B -o -pl operators test -Dtest=InputCountBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class InputCountBenchmark {
    private static final long BYTES = Long.getLong("tandem.bench.count-bytes", 256L << 20);
    private static final int FILES = 4;
    private static final int ROUNDS = 5;

    @TempDir Path dir;

    @Test
    void printFigures() throws Exception {
        Path plain = Files.createDirectories(dir.resolve("plain"));
        Path gzip = Files.createDirectories(dir.resolve("gzip"));
        long plainBytes = write(plain, gzip);
        int cores = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                "corpus: %d files, %.0f MB of JSON Lines; %d cores%n",
                FILES, plainBytes / 1e6, cores);
        for (Path folder : List.of(plain, gzip)) {
            InputFiles files =
                    new InputFiles(
                            folder.toString(), null, InputFiles.splitBytesFor(plainBytes, cores));
            List<Path> paths = files.list();
            countTwiceInTurn(paths); // warms the page cache and the JIT
            double[] before = new double[ROUNDS];
            double[] after = new double[ROUNDS];
            for (int round = 0; round < ROUNDS; round++) {
                long start = System.nanoTime();
                long counted = countTwiceInTurn(paths);
                before[round] = (System.nanoTime() - start) / 1e9;
                start = System.nanoTime();
                long once = files.countRecords(cores);
                after[round] = (System.nanoTime() - start) / 1e9;
                if (once != counted) {
                    throw new IllegalStateException(once + " records now, " + counted + " before");
                }
            }
            double gb = plainBytes / 1e9;
            double beforePerGb = median(before) / gb;
            double afterPerGb = median(after) / gb;
            System.out.printf(
                    "%s: count_seconds_per_gb before %.2f, after %.2f (x%.1f less);"
                            + " rounds before %s, after %s%n",
                    folder.getFileName(),
                    beforePerGb,
                    afterPerGb,
                    beforePerGb / afterPerGb,
                    Arrays.toString(before),
                    Arrays.toString(after));
        }
    }

    /** As before: the client counted every file, then the enumerator counted them again. */
    private static long countTwiceInTurn(List<Path> paths) throws IOException {
        long records = 0;
        for (int pass = 0; pass < 2; pass++) {
            records = 0;
            for (Path path : paths) {
                records += InputFiles.countLines(path);
            }
        }
        return records;
    }

    /** The sample corpus, plain and gzip, in {@value #FILES} files; the plain bytes. */
    private static long write(Path plain, Path gzip) throws IOException {
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
        List<String> lines = new ArrayList<>();
        long bytes = 0;
        for (long i = 0; bytes < BYTES / FILES; i++) {
            String line = corpus.generate(i).toJsonLine();
            lines.add(line);
            bytes += line.getBytes(StandardCharsets.UTF_8).length + 1;
        }
        for (int f = 0; f < FILES; f++) {
            Files.write(plain.resolve("part-" + f + ".jsonl"), lines);
            try (Writer out =
                    new BufferedWriter(
                            new OutputStreamWriter(
                                    new GZIPOutputStream(
                                            Files.newOutputStream(
                                                    gzip.resolve("part-" + f + ".jsonl.gz")),
                                            1 << 16),
                                    StandardCharsets.UTF_8))) {
                for (String line : lines) {
                    out.write(line);
                    out.write('\n');
                }
            }
        }
        return bytes * FILES;
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }
}
