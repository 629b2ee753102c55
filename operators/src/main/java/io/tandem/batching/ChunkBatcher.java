package io.tandem.batching;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.ToIntFunction;

/**
 * Cuts a chunk of documents into batches: documents are sorted by length within the chunk (which
 * cuts padding, as edsnlp's sorted chunks do), then batches are filled while their cost stays
 * within the limit. A document larger than the limit on its own forms a batch alone.
 */
public final class ChunkBatcher {
    private ChunkBatcher() {}

    public static <T> List<List<T>> batches(
            List<T> chunk, ToIntFunction<T> length, BatchSize size, boolean sortByLength) {
        List<T> ordered = new ArrayList<>(chunk);
        if (sortByLength) {
            // Stable: documents of equal length keep their arrival order.
            ordered.sort(Comparator.comparingInt(length));
        }
        List<List<T>> batches = new ArrayList<>();
        List<T> current = new ArrayList<>();
        long words = 0;
        int maxWords = 0;
        for (T item : ordered) {
            int itemWords = length.applyAsInt(item);
            long cost =
                    size.cost(current.size() + 1, words + itemWords, Math.max(maxWords, itemWords));
            if (!current.isEmpty() && cost > size.limit()) {
                batches.add(current);
                current = new ArrayList<>();
                words = 0;
                maxWords = 0;
            }
            current.add(item);
            words += itemWords;
            maxWords = Math.max(maxWords, itemWords);
        }
        if (!current.isEmpty()) {
            batches.add(current);
        }
        return batches;
    }
}
