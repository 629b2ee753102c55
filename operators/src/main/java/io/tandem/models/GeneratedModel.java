package io.tandem.models;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A model file generated for whoever asked; closing it deletes the file. */
public final class GeneratedModel implements AutoCloseable {
    private final Path file;

    GeneratedModel(Path file) {
        this.file = file;
    }

    public Path path() {
        return file;
    }

    @Override
    public void close() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot delete generated model " + file, e);
        }
    }

    @Override
    public String toString() {
        return "GeneratedModel[" + file + "]";
    }
}
