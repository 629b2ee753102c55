package io.tandem.models;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Regenerates the committed tiny model, its tokenizer.json and config.json, and optionally writes
 * the bench model. From the {@code operators} folder:
 *
 * <pre>
 * mvn -B -q -o compile dependency:build-classpath -Dmdep.includeScope=runtime \
 *     -Dmdep.outputFile=target/runtime.classpath
 * java -cp target/classes:$(cat target/runtime.classpath) io.tandem.models.ModelGenerator \
 *     src/main/resources/io/tandem/models/tiny [/tmp/bench.onnx]
 * </pre>
 *
 * It prints the SHA-256 of every file it writes. {@code TinyModelTest} fails until the committed
 * files equal what this writes.
 */
public final class ModelGenerator {
    private ModelGenerator() {}

    public static void main(String[] args) throws IOException {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ModelGenerator <tiny model folder> [bench model file]");
            System.exit(2);
        }
        Path tinyDir = Path.of(args[0]);
        Files.createDirectories(tinyDir);
        TinyModel tiny = TinyModel.create();
        write(tinyDir.resolve("model.onnx"), tiny.onnxBytes());
        write(tinyDir.resolve("tokenizer.json"), tiny.tokenizerJson());
        write(tinyDir.resolve("config.json"), tiny.configJson());
        if (args.length == 2) {
            Path bench = Path.of(args[1]);
            BenchModel.generate(bench);
            System.out.println(sha256(Files.readAllBytes(bench)) + "  " + bench);
        }
    }

    private static void write(Path file, byte[] content) throws IOException {
        Files.write(file, content);
        System.out.println(sha256(content) + "  " + file + " (" + content.length + " bytes)");
    }

    /** Lower-case hex SHA-256 of {@code content}. */
    public static String sha256(byte[] content) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
