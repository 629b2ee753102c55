package io.tandem.models;

import io.tandem.inference.Device;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.Arrays;
import java.util.Random;

/**
 * Times the bench model's forward pass on full batches (a main, not a test):
 *
 * <pre>
 * java -cp target/classes:target/test-classes:$(cat target/runtime.classpath) \
 *     io.tandem.models.BenchForwardTiming [rows] [sequence] [runs] [intraOpThreads] [gpuIndex]
 * </pre>
 *
 * With a GPU index it asks for AUTO (CUDA when the onnxruntime_gpu build and CUDA are present).
 */
public final class BenchForwardTiming {
    private BenchForwardTiming() {}

    public static void main(String[] args) throws Exception {
        int rows = args.length > 0 ? Integer.parseInt(args[0]) : 32;
        int sequence = args.length > 1 ? Integer.parseInt(args[1]) : 128;
        int runs = args.length > 2 ? Integer.parseInt(args[2]) : 5;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 0;
        int gpu = args.length > 4 ? Integer.parseInt(args[4]) : ForwardContext.NO_GPU;
        ForwardContext context =
                new ForwardContext(gpu >= 0 ? Device.AUTO : Device.CPU, gpu, threads);
        int vocab = ClinicalVocabulary.build().tokens().size();
        Random random = new Random(1);
        long[] ids = new long[rows * sequence];
        long[] mask = new long[rows * sequence];
        Arrays.fill(mask, 1);
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 5 + random.nextInt(vocab - 5);
        }
        long[] shape = {rows, sequence};
        TensorMap batch =
                TensorMap.of(
                        Tensor.ofLongs("input_ids", shape, ids),
                        Tensor.ofLongs("attention_mask", shape, mask));
        try (OnnxSession session = OnnxSession.open(ModelLocation.generated("bench"), context)) {
            session.forward(batch); // warm-up: memory planning, kernel selection
            long[] nanos = new long[runs];
            for (int r = 0; r < runs; r++) {
                long start = System.nanoTime();
                session.forward(batch);
                nanos[r] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            System.out.printf(
                    "bench %dx%d on %s (intra-op threads %s): median %.1f ms, min %.1f ms over %d"
                            + " runs, %.0f tokens/s%n",
                    rows,
                    sequence,
                    session.executionProvider(),
                    threads == 0 ? "default" : threads,
                    nanos[runs / 2] / 1e6,
                    nanos[0] / 1e6,
                    runs,
                    rows * sequence / (nanos[runs / 2] / 1e9));
        }
    }
}
