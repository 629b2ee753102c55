package io.tandem.hf;

import io.tandem.inference.ModelLocation;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * A model in the layout Hugging Face and optimum exports write: a folder with {@code model.onnx}
 * (or a single {@code *.onnx}), {@code tokenizer.json} and {@code config.json}. {@code
 * tokenizer_config.json} and {@code special_tokens_map.json} may sit beside them; the tokenizer
 * needs neither, since {@code tokenizer.json} carries its special tokens.
 *
 * <p>{@code model:} may name the folder, or the {@code .onnx} file in it; a classpath folder must
 * hold {@code model.onnx}; {@code generated:bench} is the project's benchmark encoder with its
 * tokenizer and config.
 */
public record HfExport(ModelLocation model, ModelLocation tokenizer, ModelLocation config)
        implements Serializable {
    public static final String MODEL_FILE = "model.onnx";
    public static final String TOKENIZER_FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "config.json";
    private static final String LAYOUT =
            "a model folder holds model.onnx (or a single *.onnx), tokenizer.json and config.json";

    /** Parses a {@code model:} value and resolves it. */
    public static HfExport resolve(String location) {
        return resolve(ModelLocation.parse(location));
    }

    /**
     * Finds the export's files.
     *
     * @throws IllegalArgumentException naming the missing file and the expected layout
     */
    public static HfExport resolve(ModelLocation location) {
        ModelLocation folder;
        ModelLocation model;
        if (location.kind() == ModelLocation.Kind.GENERATED) {
            folder = location;
            model = location;
        } else if (location.isDirectory()) {
            folder = location;
            model = onnxFileIn(Path.of(location.path()));
        } else if (location.path().endsWith(".onnx")) {
            folder = location.parent();
            model = location;
        } else if (location.kind() == ModelLocation.Kind.CLASSPATH) {
            folder = location;
            model = location.resolve(MODEL_FILE);
        } else {
            throw new IllegalArgumentException(
                    "Model " + location + " is neither a folder nor an .onnx file; " + LAYOUT);
        }
        require(model, "the model");
        ModelLocation tokenizer = require(folder.resolve(TOKENIZER_FILE), TOKENIZER_FILE);
        ModelLocation config = require(folder.resolve(CONFIG_FILE), CONFIG_FILE);
        return new HfExport(model, tokenizer, config);
    }

    private static ModelLocation onnxFileIn(Path folder) {
        Path preferred = folder.resolve(MODEL_FILE);
        if (Files.isRegularFile(preferred)) {
            return ModelLocation.file(preferred);
        }
        List<Path> onnx;
        try (Stream<Path> files = Files.list(folder)) {
            onnx = files.filter(f -> f.toString().endsWith(".onnx")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot list model folder " + folder, e);
        }
        if (onnx.size() != 1) {
            throw new IllegalArgumentException(
                    "Model folder "
                            + folder.toAbsolutePath()
                            + (onnx.isEmpty()
                                    ? " has no .onnx file"
                                    : " has several .onnx files "
                                            + onnx.stream().map(f -> f.getFileName()).toList()
                                            + " and no "
                                            + MODEL_FILE
                                            + "; name one in model:")
                            + "; "
                            + LAYOUT);
        }
        return ModelLocation.file(onnx.get(0));
    }

    private static ModelLocation require(ModelLocation file, String what) {
        if (!file.exists()) {
            throw new IllegalArgumentException(
                    "Missing " + what + ": " + file + " does not exist; " + LAYOUT);
        }
        return file;
    }
}
