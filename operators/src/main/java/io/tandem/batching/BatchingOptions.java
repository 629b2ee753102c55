package io.tandem.batching;

import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/**
 * Options of the batchers and the postprocess join: how documents become batches, and in what order
 * results leave.
 */
@Internal
public final class BatchingOptions {
    private BatchingOptions() {}

    public static final ConfigOption<String> BATCH_SIZE =
            ConfigOptions.key("tandem.batch-size")
                    .stringType()
                    .defaultValue("8000 padded_words")
                    .withDescription(
                            "Batch size as edsnlp writes it: '32 docs', '2000 words' or '8000"
                                    + " padded_words' (longest document x documents).");

    public static final ConfigOption<Integer> CHUNK_SIZE =
            ConfigOptions.key("tandem.chunk-size")
                    .intType()
                    .defaultValue(256)
                    .withDescription(
                            "Documents sorted by length together before being cut into batches.");

    public static final ConfigOption<Duration> MAX_BATCH_DELAY =
            ConfigOptions.key("tandem.max-batch-delay")
                    .durationType()
                    .defaultValue(Duration.ofMillis(100))
                    .withDescription(
                            "Longest time a document waits for its chunk to fill before the"
                                    + " partial chunk is batched, so slow streams never stall.");

    public static final ConfigOption<Integer> BATCHES_IN_FLIGHT_PER_LINK =
            ConfigOptions.key("tandem.batches-in-flight-per-link")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Cap on batches awaiting outputs, per producer-consumer link of the"
                                    + " dispatch schedule (edsnlp's semaphore allows 2).");

    public static final ConfigOption<Boolean> CHAIN_CONSECUTIVE_MODELS =
            ConfigOptions.key("tandem.chain-consecutive-models")
                    .booleanType()
                    .defaultValue(io.tandem.pipeline.Pipeline.CHAIN_CONSECUTIVE_MODELS)
                    .withDescription(
                            "Run consecutive model components of the pipeline as one stage (one"
                                    + " batch carries every model's inputs, one round trip to the"
                                    + " inference subtask) rather than a stage each (a batcher,"
                                    + " inference and join per model). Components between models"
                                    + " always end a stage.");

    public static final ConfigOption<Boolean> DETERMINISTIC =
            ConfigOptions.key("tandem.deterministic")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Keep output order equal to input order (bounded inputs: global"
                                    + " order; streams: per source partition). False emits each"
                                    + " document as soon as it is done.");
}
