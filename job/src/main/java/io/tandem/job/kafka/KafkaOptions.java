package io.tandem.job.kafka;

import java.time.Duration;
import org.apache.flink.annotation.Internal;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.ConfigOptions;

/** Options of the Kafka source and sink of a continuous job, read by {@link KafkaIo}. */
@Internal
public final class KafkaOptions {
    private KafkaOptions() {}

    /** What the Kafka sink promises. */
    public enum Delivery {
        EXACTLY_ONCE,
        AT_LEAST_ONCE,
        NONE
    }

    /** Where a Kafka source starts when the job has no checkpoint to resume from. */
    public enum StartingOffsets {
        EARLIEST,
        LATEST,
        COMMITTED
    }

    public static final ConfigOption<String> KAFKA_BOOTSTRAP =
            ConfigOptions.key("tandem.kafka.bootstrap")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Kafka bootstrap servers (HOST:PORT,...). When set, the job reads"
                                    + " the input topic and writes the output topic instead of"
                                    + " files.");

    public static final ConfigOption<String> INPUT_TOPIC =
            ConfigOptions.key("tandem.kafka.input-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Topic of input documents (JSON values, key optional).");

    public static final ConfigOption<String> OUTPUT_TOPIC =
            ConfigOptions.key("tandem.kafka.output-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Topic of processed documents, keyed by document id.");

    public static final ConfigOption<String> DLQ_TOPIC =
            ConfigOptions.key("tandem.kafka.dlq-topic")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Dead-letter topic. Default: the output topic followed by '-dlq'.");

    public static final ConfigOption<String> GROUP_ID =
            ConfigOptions.key("tandem.kafka.group-id")
                    .stringType()
                    .defaultValue("tandem")
                    .withDescription("Consumer group id of the Kafka source.");

    public static final ConfigOption<StartingOffsets> STARTING_OFFSETS =
            ConfigOptions.key("tandem.kafka.starting-offsets")
                    .enumType(StartingOffsets.class)
                    .defaultValue(StartingOffsets.COMMITTED)
                    .withDescription(
                            "EARLIEST, LATEST, or COMMITTED (the group's committed offsets,"
                                    + " earliest where none).");

    public static final ConfigOption<Boolean> STOP_AT_LATEST_OFFSETS =
            ConfigOptions.key("tandem.kafka.stop-at-latest-offsets")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Read up to the offsets that are latest at start, then finish (a"
                                    + " bounded backfill) instead of running forever.");

    public static final ConfigOption<String> KAFKA_PROPERTIES =
            ConfigOptions.key("tandem.kafka.properties-file")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Properties file (security settings such as SASL/SSL) applied to"
                                    + " the source and the sink alike. Its values never appear in"
                                    + " logs, the job name or the printed plan.");

    public static final ConfigOption<Delivery> DELIVERY =
            ConfigOptions.key("tandem.kafka.delivery")
                    .enumType(Delivery.class)
                    .defaultValue(Delivery.EXACTLY_ONCE)
                    .withDescription("EXACTLY_ONCE (transactions), AT_LEAST_ONCE or NONE.");

    public static final ConfigOption<String> TRANSACTIONAL_ID_PREFIX =
            ConfigOptions.key("tandem.kafka.transactional-id-prefix")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Prefix of the sink's transactional ids; must be unique per job and"
                                    + " stable across restarts. Default: 'tandem-' + group id +"
                                    + " '-' + output topic.");

    public static final ConfigOption<Duration> TRANSACTION_TIMEOUT =
            ConfigOptions.key("tandem.kafka.transaction-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(15))
                    .withDescription(
                            "The sink's transaction.timeout.ms: above checkpoint interval +"
                                    + " checkpoint timeout, at most the broker's"
                                    + " transaction.max.timeout.ms (15 min by default).");

    public static final ConfigOption<Duration> STATUS_INTERVAL =
            ConfigOptions.key("tandem.kafka.status-interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "How often a local run, when not on a terminal, logs its status line:"
                                    + " consumer lag, documents out, documents per second, dead"
                                    + " letters.");
}
