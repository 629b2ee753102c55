package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.Test;

/**
 * {@code vs_langchain4j_embed} on a few documents: both sides embed every document and the figure
 * is a positive number. It asserts no speed (BENCHMARKS.md gives the measured figure).
 */
class LangChain4jEmbedBenchITCase {
    @Test
    void miniLmThroughTandemAndThroughLangChain4jGiveAFiniteRatio() throws Exception {
        LangChain4jEmbedBench.Result result =
                LangChain4jEmbedBench.measure(
                        40, 1, new PrintStream(OutputStream.nullOutputStream()));
        assertEquals(40, result.docs());
        assertTrue(result.tandem() > 0 && Double.isFinite(result.tandem()), result.toString());
        assertTrue(result.langChain4j() > 0, result.toString());
        assertTrue(Double.isFinite(result.ratio()) && result.ratio() > 0, result.toString());
    }
}
