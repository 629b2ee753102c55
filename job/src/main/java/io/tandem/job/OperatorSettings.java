package io.tandem.job;

import io.tandem.batching.BatchSize;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.FaultTolerance;
import io.tandem.batching.FaultToleranceOptions;
import io.tandem.inference.Device;
import io.tandem.inference.InferenceOptions;
import io.tandem.job.options.OptionReader;
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
        boolean chainConsecutiveModels,
        int maxTextChars,
        int deadLetterMaxRawBytes,
        Device device,
        int intraOpThreads,
        FaultTolerance faultTolerance) {

    /**
     * The batch size of the in-place layout (the CPU subtasks run the model themselves) when {@code
     * tandem.batch-size} is not set: 8 windows of 128 pieces. On a CPU core, a forward pass is not
     * faster per token with more rows (the bench model does about 8,000 tokens/s with 1 to 8 rows
     * and 7,400 with 32 to 64), so large batches only add padding and make the slowest subtask's
     * last batch longer; {@link BatchingOptions#BATCH_SIZE}'s default is for an accelerator.
     */
    public static final String IN_PLACE_BATCH_SIZE = "1024 padded_words";

    /** The settings of the split layout (inference subtasks run the model). */
    public static OperatorSettings from(Configuration config) {
        return from(config, false);
    }

    /**
     * @param inPlace whether the CPU subtasks run the model themselves (no inference subtasks):
     *     then an unset batch size is {@link #IN_PLACE_BATCH_SIZE}
     */
    public static OperatorSettings from(Configuration config, boolean inPlace) {
        OptionReader options = new OptionReader(config);
        return new OperatorSettings(
                inPlace && !config.contains(BatchingOptions.BATCH_SIZE)
                        ? BatchSize.parse(IN_PLACE_BATCH_SIZE)
                        : options.parsed(BatchingOptions.BATCH_SIZE, BatchSize::parse),
                options.intAtLeast(BatchingOptions.CHUNK_SIZE, 1, "256"),
                options.duration(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(1)),
                options.intAtLeast(BatchingOptions.BATCHES_IN_FLIGHT_PER_LINK, 1, "2"),
                options.bool(BatchingOptions.DETERMINISTIC),
                options.bool(BatchingOptions.CHAIN_CONSECUTIVE_MODELS),
                options.intAtLeast(ParseOptions.MAX_TEXT_CHARS, 1, "1000000"),
                options.intAtLeast(ParseOptions.DEAD_LETTER_MAX_RAW_BYTES, 0, "1024"),
                options.enumValue(InferenceOptions.DEVICE, Device.class),
                options.intAtLeast(
                        InferenceOptions.INTRA_OP_THREADS, 0, "1 (0 lets ONNX Runtime choose)"),
                faultTolerance(options));
    }

    private static FaultTolerance faultTolerance(OptionReader options) {
        int window = options.intAtLeast(FaultToleranceOptions.BREAKER_WINDOW, 1, "1000");
        int minDocuments =
                options.intAtLeast(FaultToleranceOptions.BREAKER_MIN_DOCUMENTS, 1, "100");
        if (minDocuments > window) {
            throw new IllegalArgumentException(
                    FaultToleranceOptions.BREAKER_MIN_DOCUMENTS.key()
                            + ": "
                            + minDocuments
                            + " is more than "
                            + FaultToleranceOptions.BREAKER_WINDOW.key()
                            + " ("
                            + window
                            + "); expected at most the window");
        }
        return new FaultTolerance(
                options.duration(FaultToleranceOptions.FORWARD_TIMEOUT, Duration.ofMillis(1)),
                options.duration(FaultToleranceOptions.FORWARD_RETRY_TIMEOUT, Duration.ofMillis(1)),
                options.bool(FaultToleranceOptions.BREAKER_ENABLED),
                options.doubleIn(FaultToleranceOptions.BREAKER_FAILURE_RATIO, 0, 1),
                window,
                minDocuments);
    }
}
