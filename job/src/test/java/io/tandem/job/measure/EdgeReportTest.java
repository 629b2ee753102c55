package io.tandem.job.measure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class EdgeReportTest {
    @Test
    void sortedPaddedWordsBatchesPadLessThanFixedDocBatches() throws Exception {
        // With 512-piece windows most documents fit one row, so row lengths vary and sorting
        // matters; with 128-piece windows most rows are full whatever the batching.
        EdgeReport.Figures paddedWords =
                EdgeReport.measure(600, "8000 padded_words", true, 256, 512);
        EdgeReport.Figures fixedDocs = EdgeReport.measure(600, "32 docs", false, 256, 512);
        assertEquals(fixedDocs.tokens(), paddedWords.tokens(), "same documents, same real tokens");
        assertTrue(paddedWords.paddingRatio() >= 1.0);
        assertTrue(
                paddedWords.paddingRatio() < fixedDocs.paddingRatio(),
                paddedWords + " vs " + fixedDocs);
    }

    @Test
    void theDocumentsEdgeCarriesFewerThan64BytesPerDocumentEvenWithOneDocumentPerBatch()
            throws Exception {
        // Sizes written by the serializer Flink uses for the join's documents input in the job.
        for (String batchSize : new String[] {"8000 padded_words", "1 docs"}) {
            EdgeReport.Figures figures = EdgeReport.measure(200, batchSize, true, 256, 128);
            assertTrue(figures.documentsEdgeBytesPerDoc() > 0, figures.toString());
            assertTrue(figures.documentsEdgeBytesPerDoc() < 64, figures.toString());
            assertTrue(
                    figures.documentBytesPerDoc() > 1000,
                    "the documents, which stay in the JVM, would weigh far more: " + figures);
        }
    }
}
