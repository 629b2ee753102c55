package io.tandem.job.bench;

import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The forward pass alone, outside Flink: the batches of a benchmark run replayed by the model's
 * runners. A forward pass costs what its shape and its rows' lengths cost (on the CPU a batch runs
 * by length buckets), so the replay uses the recorded attention masks with random word pieces.
 */
final class ForwardOnly {
    private ForwardOnly() {}

    /**
     * Token classifier inputs with the given attention masks, random word pieces where unmasked.
     */
    static List<TensorMap> inputs(List<Tensor> masks, int vocabularySize) {
        Random random = new Random(11);
        List<TensorMap> batches = new ArrayList<>(masks.size());
        for (Tensor mask : masks) {
            long[] maskValues = mask.longs();
            long[] ids = new long[maskValues.length];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = maskValues[i] == 0 ? 0 : 5 + random.nextInt(vocabularySize - 5);
            }
            batches.add(
                    TensorMap.of(
                            Tensor.ofLongs(OnnxTokenClassifier.INPUT_IDS, mask.shape(), ids),
                            Tensor.ofLongs(
                                    OnnxTokenClassifier.ATTENTION_MASK,
                                    mask.shape(),
                                    maskValues.clone())));
        }
        return batches;
    }

    /**
     * Documents per second: {@code docs} documents in {@code batches}, split round-robin between
     * {@code runners} runners working in parallel, each on its own thread with one intra-op thread
     * (as {@code runners} subtasks would). Each runner first runs one batch untimed, as a session
     * warms up.
     */
    static double throughput(
            ModelComponent<?> model, List<TensorMap> batches, long docs, int runners)
            throws Exception {
        List<ForwardRunner> opened = new ArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(runners);
        try {
            for (int r = 0; r < runners; r++) {
                ForwardRunner runner = model.openForward(ForwardContext.cpu(1));
                opened.add(runner);
                runner.forward(batches.get(r % batches.size()));
            }
            long start = System.nanoTime();
            List<Future<?>> work = new ArrayList<>();
            for (int r = 0; r < runners; r++) {
                ForwardRunner runner = opened.get(r);
                int first = r;
                work.add(
                        pool.submit(
                                () -> {
                                    for (int b = first; b < batches.size(); b += runners) {
                                        runner.forward(batches.get(b));
                                    }
                                    return null;
                                }));
            }
            for (Future<?> f : work) {
                f.get();
            }
            return docs * 1e9 / (System.nanoTime() - start);
        } finally {
            pool.shutdownNow();
            for (ForwardRunner runner : opened) {
                runner.close();
            }
        }
    }
}
