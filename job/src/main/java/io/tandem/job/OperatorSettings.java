package io.tandem.job;

import io.tandem.batching.BatchSize;
import io.tandem.batching.BatchingOptions;
import io.tandem.inference.Device;
import io.tandem.inference.InferenceOptions;
import io.tandem.parse.ParseOptions;
import java.time.Duration;
import org.apache.flink.configuration.Configuration;

/**
 * What the operators of the job graph are configured with, read and checked once, so that a bad
 * value fails at start-up naming its key rather than in a task.
 */
public record OperatorSettings(
        BatchSize batchSize,
        int chunkSize,
        Duration maxBatchDelay,
        int batchesInFlightPerLink,
        boolean deterministic,
        int maxTextChars,
        int deadLetterMaxRawBytes,
        Device device,
        int intraOpThreads) {

    public static OperatorSettings from(Configuration config) {
        OptionReader options = new OptionReader(config);
        return new OperatorSettings(
                options.parsed(BatchingOptions.BATCH_SIZE, BatchSize::parse),
                options.intAtLeast(BatchingOptions.CHUNK_SIZE, 1, "256"),
                options.duration(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(1)),
                options.intAtLeast(BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK, 1, "2"),
                options.bool(BatchingOptions.DETERMINISTIC),
                options.intAtLeast(ParseOptions.MAX_TEXT_CHARS, 1, "1000000"),
                options.intAtLeast(ParseOptions.DEAD_LETTER_MAX_RAW_BYTES, 0, "1024"),
                options.enumValue(InferenceOptions.DEVICE, Device.class),
                options.intAtLeast(
                        InferenceOptions.INTRA_OP_THREADS, 0, "1 (0 lets ONNX Runtime choose)"));
    }
}
