package io.tandem.inference;

import io.tandem.models.BenchModel;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where a model file or a vocabulary comes from, in a form that ships with a serialized component
 * and resolves on the task manager: a classpath resource ({@code classpath:io/tandem/...}), a file
 * ({@code file:/path} or a bare path) or a model the project generates in memory ({@code
 * generated:bench}, see {@link BenchModel}). Nothing is ever downloaded.
 */
public record ModelLocation(Kind kind, String path) implements Serializable {

    public enum Kind {
        CLASSPATH,
        FILE,
        GENERATED
    }

    public static final String CLASSPATH_PREFIX = "classpath:";
    public static final String FILE_PREFIX = "file:";
    public static final String GENERATED_PREFIX = "generated:";

    public ModelLocation {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(path, "path");
        if (path.isEmpty()) {
            throw new IllegalArgumentException("Empty " + kind + " model location");
        }
        if (kind == Kind.GENERATED && BenchModel.generatedFile(path) == null) {
            throw new IllegalArgumentException(
                    "Unknown generated model '" + path + "'; known: [" + BenchModel.NAME + "]");
        }
    }

    public static ModelLocation classpath(String resource) {
        return new ModelLocation(
                Kind.CLASSPATH, resource.startsWith("/") ? resource.substring(1) : resource);
    }

    public static ModelLocation file(Path file) {
        return new ModelLocation(Kind.FILE, file.toAbsolutePath().toString());
    }

    public static ModelLocation generated(String name) {
        return new ModelLocation(Kind.GENERATED, name);
    }

    /** Parses {@code classpath:x}, {@code file:x}, {@code generated:x} or a bare file path. */
    public static ModelLocation parse(String location) {
        Objects.requireNonNull(location, "location");
        if (location.startsWith(CLASSPATH_PREFIX)) {
            return classpath(location.substring(CLASSPATH_PREFIX.length()));
        }
        if (location.startsWith(GENERATED_PREFIX)) {
            return generated(location.substring(GENERATED_PREFIX.length()));
        }
        if (location.startsWith(FILE_PREFIX)) {
            return new ModelLocation(Kind.FILE, location.substring(FILE_PREFIX.length()));
        }
        return new ModelLocation(Kind.FILE, location);
    }

    /** Reads the whole content. */
    public byte[] readBytes() {
        try {
            return switch (kind) {
                case FILE -> Files.readAllBytes(Path.of(path));
                case GENERATED -> BenchModel.generatedFile(path).get();
                case CLASSPATH -> {
                    try (InputStream in = openClasspath()) {
                        yield in.readAllBytes();
                    }
                }
            };
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + this, e);
        }
    }

    /** Opens the content as a stream. */
    public InputStream open() throws IOException {
        return switch (kind) {
            case FILE -> Files.newInputStream(Path.of(path));
            case GENERATED -> new ByteArrayInputStream(BenchModel.generatedFile(path).get());
            case CLASSPATH -> openClasspath();
        };
    }

    /** A file of the folder this location names ({@code model.onnx}, {@code tokenizer.json}). */
    public ModelLocation resolve(String file) {
        return switch (kind) {
            case FILE -> new ModelLocation(Kind.FILE, Path.of(path).resolve(file).toString());
            case CLASSPATH -> classpath(path.endsWith("/") ? path + file : path + "/" + file);
            case GENERATED -> generated(path + "/" + file);
        };
    }

    /** The folder that holds this file. */
    public ModelLocation parent() {
        int slash = path.lastIndexOf('/');
        return switch (kind) {
            case FILE ->
                    new ModelLocation(
                            Kind.FILE, Path.of(path).toAbsolutePath().getParent().toString());
            case CLASSPATH, GENERATED ->
                    new ModelLocation(kind, slash < 0 ? path : path.substring(0, slash));
        };
    }

    /** Whether the content can be read (a file, not a folder; a resource; a known model). */
    public boolean exists() {
        return switch (kind) {
            case FILE -> Files.isRegularFile(Path.of(path));
            case GENERATED -> true;
            case CLASSPATH -> {
                try (InputStream in = openClasspath()) {
                    yield true;
                } catch (IOException e) {
                    yield false;
                }
            }
        };
    }

    /** Whether this names a folder on the file system. */
    public boolean isDirectory() {
        return kind == Kind.FILE && Files.isDirectory(Path.of(path));
    }

    private InputStream openClasspath() throws IOException {
        ClassLoader loader = Thread.currentThread().getContextClassLoader();
        InputStream in = loader == null ? null : loader.getResourceAsStream(path);
        if (in == null) {
            // Flink's user-code class loader is not always the context loader.
            in = ModelLocation.class.getClassLoader().getResourceAsStream(path);
        }
        if (in == null) {
            throw new IOException("Classpath resource not found: " + path);
        }
        return in;
    }

    @Override
    public String toString() {
        return switch (kind) {
            case CLASSPATH -> CLASSPATH_PREFIX + path;
            case FILE -> FILE_PREFIX + path;
            case GENERATED -> GENERATED_PREFIX + path;
        };
    }
}
