package io.tandem.source;

import io.tandem.parquet.ParquetFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ParquetMetadata;

/**
 * What {@code tandem.input} names: one file, a folder (read recursively) or a glob such as {@code
 * /data/notes/*.parquet}. Files are listed in path order, so that numbering them is the same at
 * every run. In a folder or a glob, names starting with {@code _} or {@code .} (markers such as
 * {@code _SUCCESS}, checksums) are skipped, and without a forced format only Tandem's extensions
 * are read.
 *
 * @param format the format of every file, or null to tell it from each file's extension
 * @param splitBytes the size of the byte ranges a plain JSON Lines file is cut into
 */
public record InputFiles(String spec, InputFormat format, long splitBytes) implements Serializable {

    public InputFiles {
        if (splitBytes < 1) {
            throw new IllegalArgumentException(
                    "split size " + splitBytes + " bytes; expected at least 1");
        }
    }

    /** The largest byte range of a plain JSON Lines file, as Flink's local file system's block. */
    public static final long MAX_SPLIT_BYTES = 32L << 20;

    /** The smallest: below it a range's open and request cost more than its lines. */
    public static final long MIN_SPLIT_BYTES = 16L << 10;

    /** Splits per reading subtask that {@link #splitBytesFor} aims at, so that paces even out. */
    public static final int SPLITS_PER_READER = 4;

    /** The files {@code spec} names, plain JSON Lines cut into ranges of the largest size. */
    public InputFiles(String spec, InputFormat format) {
        this(spec, format, MAX_SPLIT_BYTES);
    }

    /**
     * A range size that gives each of {@code readers} about {@value #SPLITS_PER_READER} ranges of
     * {@code plainBytes} (within {@link #MIN_SPLIT_BYTES} and {@link #MAX_SPLIT_BYTES}): a reader
     * that finishes its range early takes another, so no reader waits on one long range at the end.
     */
    public static long splitBytesFor(long plainBytes, int readers) {
        long perSplit = -Math.floorDiv(-plainBytes, (long) SPLITS_PER_READER * readers);
        return Math.max(MIN_SPLIT_BYTES, Math.min(MAX_SPLIT_BYTES, perSplit));
    }

    /** Whether the file is plain JSON Lines, which is cut into byte ranges. */
    public boolean isPlainJsonLines(Path file) {
        return formatOf(file) == InputFormat.JSONL && !InputFormat.isGzip(file.toString());
    }

    /**
     * How many splits the files make at most, without counting their records: a plain JSON Lines
     * file one per range (a range where no line starts gives none), a gzip file one, a Parquet file
     * one per row group (from its footer).
     */
    public long maxSplits(List<Path> paths) throws IOException {
        long splits = 0;
        for (Path file : paths) {
            if (formatOf(file) == InputFormat.PARQUET) {
                splits +=
                        ParquetFiles.readFooter(file).getBlocks().stream()
                                .filter(rowGroup -> rowGroup.getRowCount() > 0)
                                .count();
            } else if (isPlainJsonLines(file)) {
                splits += -Math.floorDiv(-Files.size(file), splitBytes);
            } else {
                splits++;
            }
        }
        return splits;
    }

    public static boolean isGlob(String spec) {
        return spec.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{');
    }

    /** The matching files, in path order; fails when a single named file does not exist. */
    public List<Path> list() {
        try {
            if (!isGlob(spec)) {
                Path path = Path.of(spec).toAbsolutePath();
                if (Files.isRegularFile(path)) {
                    formatOf(path); // an unknown extension fails here, naming the file
                    return List.of(path);
                }
                if (!Files.isDirectory(path)) {
                    throw new IllegalArgumentException(
                            "'"
                                    + spec
                                    + "' does not exist; expected a .jsonl, .jsonl.gz or .parquet"
                                    + " file, a folder, a glob or sample:N");
                }
                return walk(path, p -> true);
            }
            Path root = globRoot(spec);
            PathMatcher matcher =
                    FileSystems.getDefault()
                            .getPathMatcher("glob:" + Path.of(spec).toAbsolutePath());
            return Files.isDirectory(root) ? walk(root, matcher::matches) : List.of();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list input '" + spec + "'", e);
        }
    }

    private List<Path> walk(Path root, PathMatcher matches) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            return files.filter(Files::isRegularFile)
                    .filter(p -> !hidden(root, p))
                    .filter(matches::matches)
                    .filter(p -> fileFormat() != null || InputFormat.ofName(p) != null)
                    .sorted()
                    .toList();
        }
    }

    private static boolean hidden(Path root, Path file) {
        for (Path part : root.relativize(file)) {
            String name = part.toString();
            if (name.startsWith("_") || name.startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** The longest leading folder of a glob that holds no wildcard. */
    private static Path globRoot(String glob) {
        Path absolute = Path.of(glob.replaceAll("[*?\\[{].*$", "x")).toAbsolutePath();
        Path root = absolute.getParent();
        return root == null ? absolute.getRoot() : root;
    }

    /** The format every file has, or null where each file's extension tells it. */
    private InputFormat fileFormat() {
        return format == null ? null : format.fileFormat();
    }

    /** The file's format, JSON Lines or Parquet. */
    public InputFormat formatOf(Path file) {
        if (fileFormat() != null) {
            return fileFormat();
        }
        InputFormat named = InputFormat.ofName(file);
        if (named == null) {
            throw new IllegalArgumentException(
                    "cannot tell the format of input file '"
                            + file
                            + "'; expected a name ending in .jsonl, .jsonl.gz or .parquet, or "
                            + SourceOptions.INPUT_FORMAT.key()
                            + " jsonl|parquet");
        }
        return named;
    }

    /**
     * The splits of each file, numbered from 0 within the file, in the order of {@code paths}: one
     * per row group for Parquet (from the footer), the whole file for gzip JSON Lines (decompressed
     * once to count its lines), and for plain JSON Lines one per {@link #splitBytes} range, cut at
     * line boundaries as Flink's {@code FileSource} cuts text files (a split owns the lines that
     * start in its range, so it ends with the line that crosses its end). Empty files, row groups
     * and ranges give none.
     *
     * <p>Every file and every range is counted once, on up to {@code threads} threads at a time:
     * the ordered sink needs each split's first sequence number before the split is read.
     */
    public List<List<FileSplit>> splitsOf(List<Path> paths, int threads) throws IOException {
        List<Callable<List<FileSplit>>> tasks = new ArrayList<>();
        List<int[]> tasksOfFile = new ArrayList<>();
        for (Path file : paths) {
            List<Callable<List<FileSplit>>> ofFile = tasksOf(file);
            tasksOfFile.add(new int[] {tasks.size(), tasks.size() + ofFile.size()});
            tasks.addAll(ofFile);
        }
        List<List<FileSplit>> counted = run(tasks, threads);
        List<List<FileSplit>> splits = new ArrayList<>(paths.size());
        for (int[] range : tasksOfFile) {
            // A range's lines are numbered from 0: shift them by the lines of the ranges before.
            List<FileSplit> ofFile = new ArrayList<>();
            long records = 0;
            for (List<FileSplit> part : counted.subList(range[0], range[1])) {
                for (FileSplit split : part) {
                    ofFile.add(split.shifted(records, records));
                }
                records += part.stream().mapToLong(FileSplit::records).sum();
            }
            splits.add(ofFile);
        }
        return splits;
    }

    /** The splits of one file, numbered from 0, counted on the calling thread. */
    public List<FileSplit> splitsOf(Path file) throws IOException {
        return splitsOf(List.of(file), 1).get(0);
    }

    /** Records of every file, as the source will number them, counted on {@code threads}. */
    public long countRecords(int threads) throws IOException {
        long total = 0;
        for (List<FileSplit> splits : splitsOf(list(), threads)) {
            for (FileSplit split : splits) {
                total += split.records();
            }
        }
        return total;
    }

    /** What counting one file takes: a task per range of a plain JSON Lines file, else one. */
    private List<Callable<List<FileSplit>>> tasksOf(Path file) throws IOException {
        String path = file.toString();
        if (formatOf(file) == InputFormat.PARQUET) {
            return List.of(() -> rowGroups(file));
        }
        if (!isPlainJsonLines(file)) {
            return List.of(
                    () -> {
                        long lines = countLines(file);
                        return lines == 0
                                ? List.of()
                                : List.of(FileSplit.jsonLines(path, 0, lines, 0, 0));
                    });
        }
        long length = Files.size(file);
        List<Callable<List<FileSplit>>> ranges = new ArrayList<>();
        for (long start = 0; start < length; start += Math.min(splitBytes, length - start)) {
            long from = start;
            long to = start + Math.min(splitBytes, length - start);
            ranges.add(
                    () -> {
                        LineRange range = LineRange.count(file, from, to, length);
                        return range.lines() == 0
                                ? List.of()
                                : List.of(
                                        FileSplit.jsonLines(
                                                path,
                                                range.firstLineOffset(),
                                                range.lines(),
                                                0,
                                                0));
                    });
        }
        return ranges;
    }

    private static List<FileSplit> rowGroups(Path file) throws IOException {
        String path = file.toString();
        List<FileSplit> splits = new ArrayList<>();
        ParquetMetadata footer = ParquetFiles.readFooter(file);
        long firstRow = 0;
        List<BlockMetaData> rowGroups = footer.getBlocks();
        for (int i = 0; i < rowGroups.size(); i++) {
            long rows = rowGroups.get(i).getRowCount();
            if (rows > 0) {
                splits.add(FileSplit.rowGroup(path, i, firstRow, rows, firstRow));
            }
            firstRow += rows;
        }
        return splits;
    }

    /** Runs the tasks on up to {@code threads} threads; the results in the tasks' order. */
    private <T> List<T> run(List<Callable<T>> tasks, int threads) throws IOException {
        if (tasks.size() <= 1 || threads <= 1) {
            List<T> results = new ArrayList<>(tasks.size());
            for (Callable<T> task : tasks) {
                results.add(call(task));
            }
            return results;
        }
        ExecutorService pool =
                Executors.newFixedThreadPool(
                        Math.min(threads, tasks.size()),
                        task -> {
                            Thread thread = new Thread(task, "tandem-input-count");
                            thread.setDaemon(true);
                            return thread;
                        });
        try {
            List<Future<T>> futures = pool.invokeAll(tasks);
            List<T> results = new ArrayList<>(futures.size());
            for (Future<T> future : futures) {
                results.add(future.get());
            }
            return results;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("Interrupted while counting the input " + spec());
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IllegalStateException("Cannot count the input records", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    private static <T> T call(Callable<T> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("Cannot count the input records", e);
        }
    }

    /**
     * The lines that start in bytes {@code [from, to)} of a plain file of {@code length} bytes: a
     * line starts at 0 and after every newline but a final one.
     *
     * @param firstLineOffset where the first of them starts
     */
    record LineRange(long firstLineOffset, long lines) {

        static LineRange count(Path file, long from, long to, long length) throws IOException {
            long lines = from == 0 && length > 0 ? 1 : 0;
            long first = from == 0 ? 0 : -1;
            // A line starts at p in [from, to) after a newline at p - 1; to <= length, so a
            // newline at the last byte, which starts no line, is never counted.
            long scanFrom = Math.max(0, from - 1);
            long scanTo = to - 1;
            ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
                long position = scanFrom;
                while (position < scanTo) {
                    buffer.clear();
                    buffer.limit((int) Math.min(buffer.capacity(), scanTo - position));
                    int read = channel.read(buffer, position);
                    if (read < 0) {
                        break;
                    }
                    byte[] bytes = buffer.array();
                    for (int i = 0; i < read; i++) {
                        if (bytes[i] == '\n') {
                            if (first < 0) {
                                first = position + i + 1;
                            }
                            lines++;
                        }
                    }
                    position += read;
                }
            }
            return new LineRange(Math.max(first, 0), lines);
        }
    }

    /** Lines as the reader counts them: newline-terminated, plus a last unterminated one. */
    static long countLines(Path file) throws IOException {
        long lines = 0;
        int last = '\n';
        byte[] buffer = new byte[1 << 16];
        try (InputStream in = open(file.toString(), 0)) {
            int read;
            while ((read = in.read(buffer)) > 0) {
                for (int i = 0; i < read; i++) {
                    if (buffer[i] == '\n') {
                        lines++;
                    }
                }
                last = buffer[read - 1];
            }
        }
        return last == '\n' ? lines : lines + 1;
    }

    /** A JSON Lines file's bytes from {@code offset}, decompressed when the name ends in .gz. */
    static InputStream open(String path, long offset) throws IOException {
        InputStream raw = Files.newInputStream(Path.of(path));
        if (InputFormat.isGzip(path)) {
            return new BufferedInputStream(new GZIPInputStream(raw, 1 << 16), 1 << 16);
        }
        raw.skipNBytes(offset);
        return new BufferedInputStream(raw, 1 << 16);
    }
}
