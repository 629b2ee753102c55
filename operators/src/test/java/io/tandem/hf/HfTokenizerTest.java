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
