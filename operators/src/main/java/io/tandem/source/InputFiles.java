package io.tandem.source;

import io.tandem.parquet.ParquetFiles;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.ArrayList;
import java.util.List;
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
 */
public record InputFiles(String spec, InputFormat format) implements Serializable {

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
     * The splits of one file, numbered from {@code firstSeq}: the whole file for JSON Lines (its
     * lines are counted, decompressing gzip), one per row group for Parquet (from the footer).
     * Empty files and row groups give none.
     */
    public List<FileSplit> splitsOf(Path file, long firstSeq) throws IOException {
        String path = file.toString();
        List<FileSplit> splits = new ArrayList<>();
        if (formatOf(file) == InputFormat.PARQUET) {
            ParquetMetadata footer = ParquetFiles.readFooter(file);
            long firstRow = 0;
            List<BlockMetaData> rowGroups = footer.getBlocks();
            for (int i = 0; i < rowGroups.size(); i++) {
                long rows = rowGroups.get(i).getRowCount();
                if (rows > 0) {
                    splits.add(FileSplit.rowGroup(path, i, firstRow, rows, firstSeq + firstRow));
                }
                firstRow += rows;
            }
            return splits;
        }
        long lines = countLines(file);
        return lines == 0 ? List.of() : List.of(FileSplit.jsonLines(path, lines, firstSeq));
    }

    /** Records of every file, as the source will number them. */
    public long countRecords() throws IOException {
        long total = 0;
        for (Path file : list()) {
            for (FileSplit split : splitsOf(file, 0)) {
                total += split.records();
            }
        }
        return total;
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
