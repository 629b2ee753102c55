package io.tandem.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.tandem.inference.ModelLocation;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HfTokenizerTest {
    @TempDir Path folder;

    @Test
    void theVocabularySizeIsTheLargestIdPlusOneAddedTokensIncluded() throws Exception {
        assertEquals(16, load("bpe.json", TestingTokenizers.bpe()).vocabularySize());
        assertEquals(12, load("unigram.json", TestingTokenizers.unigram()).vocabularySize());
        String withMask =
                TestingTokenizers.bpe()
                        .replace(
                                "\"added_tokens\": [",
                                "\"added_tokens\": [{\"id\": 20, \"content\": \"<mask>\","
                                        + " \"single_word\": false, \"lstrip\": false,"
                                        + " \"rstrip\": false, \"normalized\": false,"
                                        + " \"special\": true},");
        assertEquals(21, load("bpe-with-mask.json", withMask).vocabularySize());
    }

    private HfTokenizer load(String name, String json) throws Exception {
        Path file = folder.resolve(name);
        Files.writeString(file, json);
        return HfTokenizer.load(ModelLocation.file(file));
    }

    @Test
    void asksDjlForTheCpuBuildTheJarCarriesUnlessAFlavorWasChosen() throws Exception {
        assumeTrue(
                System.getenv(HfTokenizer.NATIVE_FLAVOR) == null,
                "the environment chose DJL's flavor");
        String before = System.getProperty(HfTokenizer.NATIVE_FLAVOR);
        Path json = folder.resolve("tokenizer.json");
        Files.writeString(json, TestingTokenizers.bpe());
        try {
            System.clearProperty(HfTokenizer.NATIVE_FLAVOR);
            // Loading a tokenizer sets it; DJL reads it once per JVM, when it first loads the
            // library, so what this test sets afterwards changes nothing for the other tests.
            try (HfTokenizer tokenizer = HfTokenizer.load(ModelLocation.file(json))) {
                tokenizer.open();
            }
            assertEquals("cpu", System.getProperty(HfTokenizer.NATIVE_FLAVOR));

            System.setProperty(HfTokenizer.NATIVE_FLAVOR, "cpu-precxx11");
            HfTokenizer.useBundledCpuBuild();
            assertEquals("cpu-precxx11", System.getProperty(HfTokenizer.NATIVE_FLAVOR));
        } finally {
            if (before == null) {
                System.clearProperty(HfTokenizer.NATIVE_FLAVOR);
            } else {
                System.setProperty(HfTokenizer.NATIVE_FLAVOR, before);
            }
        }
    }
}
