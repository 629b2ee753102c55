package io.tandem.job.hf;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * all-MiniLM-L6-v2 (quantized) as LangChain4j packages it on Maven Central (test scope only), laid
 * out as an export folder with the config.json the export would have.
 */
public final class MiniLmExport {
    static final String ONNX = "all-minilm-l6-v2-q.onnx";
    static final String TOKENIZER = "all-minilm-l6-v2-q-tokenizer.json";
    static final String CONFIG =
            "{\"model_type\": \"bert\", \"hidden_size\": 384, \"max_position_embeddings\": 512}";
    public static final int HIDDEN = 384;

    private MiniLmExport() {}

    /** Writes the export into {@code folder} and returns it. */
    public static Path layOut(Path folder) throws IOException {
        Files.createDirectories(folder);
        Files.write(folder.resolve("model.onnx"), onnxBytes());
        copy(TOKENIZER, folder.resolve("tokenizer.json"));
        Files.writeString(folder.resolve("config.json"), CONFIG);
        return folder;
    }

    public static byte[] onnxBytes() throws IOException {
        try (InputStream in = open(ONNX)) {
            return in.readAllBytes();
        }
    }

    private static void copy(String resource, Path file) throws IOException {
        try (InputStream in = open(resource)) {
            Files.copy(in, file);
        }
    }

    private static InputStream open(String resource) throws IOException {
        InputStream in = MiniLmExport.class.getClassLoader().getResourceAsStream(resource);
        if (in == null) {
            throw new IOException("Resource " + resource + " missing from the test classpath");
        }
        return in;
    }
}
