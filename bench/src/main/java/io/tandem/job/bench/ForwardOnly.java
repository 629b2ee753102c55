package io.tandem.job.bench;

import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * The forward pass alone, outside Flink: the batches of a benchmark run replayed by the model's
 * runners. A forward pass costs what its shape costs, so the replay uses the recorded shapes with
 * random word pieces.
 */
final class ForwardOnly {
    private ForwardOnly() {}

    /** Token classifier inputs of the given shapes ({@code [rows, sequence]}), all unmasked. */
    static List<TensorMap> inputs(List<long[]> shapes, int vocabularySize) {
        Random random = new Random(11);
        List<TensorMap> batches = new ArrayList<>(shapes.size());
        for (long[] shape : shapes) {
            int size = Math.toIntExact(shape[0] * shape[1]);
            long[] ids = new long[size];
            for (int i = 0; i < size; i++) {
                ids[i] = 5 + random.nextInt(vocabularySize - 5);
            }
            long[] mask = new long[size];
            Arrays.fill(mask, 1);
            batches.add(
                    TensorMap.of(
                            Tensor.ofLongs(OnnxTokenClassifier.INPUT_IDS, shape, ids),
                            Tensor.ofLongs(OnnxTokenClassifier.ATTENTION_MASK, shape, mask)));
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
