package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.function.ToIntFunction;
import org.junit.jupiter.api.Test;

class ChunkBatcherTest {
    private static final ToIntFunction<Integer> LENGTH = i -> i;

    @Test
    void parsesTheThreeUnits() {
        assertEquals(new BatchSize(32, BatchSize.Unit.DOCS), BatchSize.parse("32 docs"));
        assertEquals(new BatchSize(2000, BatchSize.Unit.WORDS), BatchSize.parse("2000 words"));
        assertEquals(
                new BatchSize(8000, BatchSize.Unit.PADDED_WORDS),
                BatchSize.parse(" 8000  padded_words "));
        assertEquals("8000 padded_words", BatchSize.parse("8000 padded_words").toString());
    }

    @Test
    void rejectsBadExpressionsNamingThem() {
        for (String bad :
                List.of("32", "docs", "0 docs", "-1 docs", "32 tokens", "99999999999 docs")) {
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> BatchSize.parse(bad));
            assertEquals(
                    "'"
                            + bad
                            + "' is not a batch size; expected '<positive integer>"
                            + " docs|words|padded_words', e.g. '32 docs'",
                    e.getMessage());
        }
    }

    @Test
    void docsBatchesCountDocuments() {
        assertEquals(
                List.of(List.of(5, 1), List.of(9, 2), List.of(7)),
                ChunkBatcher.batches(
                        List.of(5, 1, 9, 2, 7), LENGTH, BatchSize.parse("2 docs"), false));
    }

    @Test
    void wordsBatchesSumLengthsAndAnOversizedDocumentGoesAlone() {
        assertEquals(
                List.of(List.of(1, 2, 5), List.of(7), List.of(30), List.of(9)),
                ChunkBatcher.batches(
                        List.of(1, 2, 5, 7, 30, 9), LENGTH, BatchSize.parse("10 words"), false));
    }

    @Test
    void paddedWordsSortedWithinTheChunk() {
        // Sorted: 1 1 2 3 8 9 ; padded cost = max * count <= 10
        assertEquals(
                List.of(List.of(1, 1, 2), List.of(3), List.of(8), List.of(9)),
                ChunkBatcher.batches(
                        List.of(9, 1, 3, 8, 1, 2),
                        LENGTH,
                        BatchSize.parse("10 padded_words"),
                        true));
    }

    @Test
    void sortingIsStableForEqualLengths() {
        record Doc(String id, int words) {}
        List<Doc> chunk =
                List.of(new Doc("a", 3), new Doc("b", 1), new Doc("c", 3), new Doc("d", 1));
        assertEquals(
                List.of(List.of(chunk.get(1), chunk.get(3), chunk.get(0), chunk.get(2))),
                ChunkBatcher.batches(chunk, Doc::words, BatchSize.parse("10 docs"), true));
    }
}
