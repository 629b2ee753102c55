package io.tandem.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.inference.ModelLocation;
import io.tandem.models.BenchModel;
import io.tandem.models.ClinicalVocabulary;
import io.tandem.models.TinyModel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The word-embedding table is read from the {@code .onnx} file: the project's models and a real
 * quantized export, whose Gather reads the table as is; a table computed at run time is not read.
 */
class WordEmbeddingTableTest {
    private static final int TINY_VOCABULARY = ClinicalVocabulary.build().tokens().size();

    @TempDir Path folder;

    private static Optional<WordEmbeddingTable> read(ModelLocation model) {
        return WordEmbeddingTable.read(model, TransformerEncoder.INPUT_IDS);
    }

    @Test
    void theTinyModelsTableHasARowPerPieceOfItsVocabulary() {
        assertEquals(
                Optional.of(new WordEmbeddingTable("embeddings", TINY_VOCABULARY)),
                read(ModelLocation.classpath(TinyModel.MODEL_RESOURCE)));
    }

    @Test
    void theBenchModelsTableHasARowPerPieceOfItsVocabulary() {
        assertEquals(
                TINY_VOCABULARY,
                read(ModelLocation.generated(BenchModel.NAME)).orElseThrow().rows());
    }

    @Test
    void aQuantizedExportsTableIsTheInitializerItsGatherReads() {
        assertEquals(
                Optional.of(
                        new WordEmbeddingTable(
                                "embeddings.word_embeddings.weight_quantized", 30522)),
                read(ModelLocation.classpath(RealExportTest.MINILM_ONNX)));
    }

    @Test
    void aTableSlicedAtRunTimeIsNotRead() throws Exception {
        Path model = folder.resolve("short-table.onnx");
        Files.write(model, TinyModel.create().onnxBytes(TINY_VOCABULARY - 1));
        assertEquals(Optional.empty(), read(ModelLocation.file(model)));
    }

    @Test
    void aFileThatIsNotAnOnnxModelIsRefusedNamingIt() throws Exception {
        Path model = folder.resolve("notes.onnx");
        Files.writeString(model, "not a model\n", StandardCharsets.UTF_8);
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> read(ModelLocation.file(model)));
        assertTrue(
                e.getMessage().startsWith("Cannot read model file:" + model + " as an ONNX graph"),
                e.getMessage());
    }
}
