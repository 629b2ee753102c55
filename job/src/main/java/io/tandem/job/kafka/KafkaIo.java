package io.tandem.job.kafka;

import io.tandem.job.kafka.KafkaOptions.Delivery;
import io.tandem.job.kafka.KafkaOptions.StartingOffsets;
import io.tandem.job.options.OptionReader;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.KafkaSourceBuilder;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigResource;

/**
 * The Kafka source and sink of a continuous Tandem job, built from {@link KafkaOptions} and the
 * user's properties file (security settings, applied to both). Checks at start-up that exactly once
 * can hold: the sink's transaction timeout must exceed checkpoint interval + timeout, and must not
 * exceed the broker's {@code transaction.max.timeout.ms}.
 */
public final class KafkaIo {
    private final String bootstrap;
    private final String inputTopic;
    private final String outputTopic;
    private final String deadLetterTopic;
    private final String groupId;
    private final StartingOffsets startingOffsets;
    private final boolean stopAtLatestOffsets;
    private final Delivery delivery;
    private final String transactionalIdPrefix;
    private final Duration transactionTimeout;
    private final Properties userProperties;

    /**
     * Reads every Kafka option.
     *
     * @throws IllegalArgumentException naming the key, when a required one is missing or a value is
     *     invalid
     */
    public KafkaIo(Configuration config) {
        OptionReader options = new OptionReader(config);
        this.bootstrap = required(options, KafkaOptions.KAFKA_BOOTSTRAP);
        this.inputTopic = required(options, KafkaOptions.INPUT_TOPIC);
        this.outputTopic = required(options, KafkaOptions.OUTPUT_TOPIC);
        this.deadLetterTopic = options.string(KafkaOptions.DLQ_TOPIC).orElse(outputTopic + "-dlq");
        this.groupId = required(options, KafkaOptions.GROUP_ID);
        this.startingOffsets =
                options.enumValue(KafkaOptions.STARTING_OFFSETS, StartingOffsets.class);
        this.stopAtLatestOffsets = options.bool(KafkaOptions.STOP_AT_LATEST_OFFSETS);
        this.delivery = options.enumValue(KafkaOptions.DELIVERY, Delivery.class);
        this.transactionalIdPrefix =
                options.string(KafkaOptions.TRANSACTIONAL_ID_PREFIX)
                        .orElse("tandem-" + groupId + "-" + outputTopic);
        this.userProperties =
                options.parsed(KafkaOptions.KAFKA_PROPERTIES, KafkaIo::loadProperties);
        this.transactionTimeout = transactionTimeout(options, userProperties);
        if (deadLetterTopic.equals(outputTopic)
                || deadLetterTopic.equals(inputTopic)
                || outputTopic.equals(inputTopic)) {
            throw new IllegalArgumentException(
                    KafkaOptions.INPUT_TOPIC.key()
                            + " '"
                            + inputTopic
                            + "', "
                            + KafkaOptions.OUTPUT_TOPIC.key()
                            + " '"
                            + outputTopic
                            + "' and "
                            + KafkaOptions.DLQ_TOPIC.key()
                            + " '"
                            + deadLetterTopic
                            + "' must all differ");
        }
    }

    private static String required(OptionReader options, ConfigOption<String> option) {
        return options.string(option)
                .orElseThrow(
                        () -> new IllegalArgumentException("Kafka mode needs " + option.key()));
    }

    private static Duration transactionTimeout(OptionReader options, Properties userProperties) {
        String fromFile = userProperties.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        if (fromFile == null) {
            return options.duration(KafkaOptions.TRANSACTION_TIMEOUT, Duration.ofMillis(1));
        }
        try {
            return Duration.ofMillis(Long.parseLong(fromFile.strip()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    KafkaOptions.KAFKA_PROPERTIES.key()
                            + ": "
                            + ProducerConfig.TRANSACTION_TIMEOUT_CONFIG
                            + " is not a whole number of milliseconds");
        }
    }

    /** The properties in {@code file}; none when null. */
    static Properties loadProperties(String file) {
        Properties properties = new Properties();
        if (file == null) {
            return properties;
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "'" + file + "' does not exist; expected a Kafka client properties file");
        }
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException("'" + file + "' cannot be read: " + e.getMessage());
        }
        return properties;
    }

    public String bootstrap() {
        return bootstrap;
    }

    public String inputTopic() {
        return inputTopic;
    }

    public String outputTopic() {
        return outputTopic;
    }

    public String deadLetterTopic() {
        return deadLetterTopic;
    }

    public String transactionalIdPrefix() {
        return transactionalIdPrefix;
    }

    public Delivery delivery() {
        return delivery;
    }

    /** True for a bounded backfill: the source stops at the offsets latest at start. */
    public boolean stopsAtLatestOffsets() {
        return stopAtLatestOffsets;
    }

    public KafkaSource<RawRecord> source() {
        OffsetsInitializer start =
                switch (startingOffsets) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED ->
                            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                };
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(bootstrap())
                        .setTopics(inputTopic())
                        .setGroupId(groupId)
                        .setStartingOffsets(start)
                        .setDeserializer(new RawRecordDeserializer())
                        .setProperties(userProperties)
                        // Upstream producers may be transactional too: never read aborted data.
                        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (stopAtLatestOffsets) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public KafkaSink<Result> sink() {
        return sink(false);
    }

    /**
     * @param sentences list each document's sentences, as the pipeline asks with {@code
     *     output.sentences: true}
     */
    public KafkaSink<Result> sink(boolean sentences) {
        DeliveryGuarantee guarantee =
                switch (delivery()) {
                    case EXACTLY_ONCE -> DeliveryGuarantee.EXACTLY_ONCE;
                    case AT_LEAST_ONCE -> DeliveryGuarantee.AT_LEAST_ONCE;
                    case NONE -> DeliveryGuarantee.NONE;
                };
        Properties producer = new Properties();
        producer.putAll(userProperties);
        producer.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                String.valueOf(transactionTimeout.toMillis()));
        return KafkaSink.<Result>builder()
                .setBootstrapServers(bootstrap())
                .setKafkaProducerConfig(producer)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionalIdPrefix())
                .setRecordSerializer(
                        new ResultRecordSerializer(outputTopic(), deadLetterTopic(), sentences))
                .build();
    }

    /**
     * Fails fast when exactly once cannot hold: transactions that time out before their checkpoint
     * completes are aborted by the broker, and their records lost.
     */
    public void checkTransactionTimeout(Configuration flinkConfig) throws Exception {
        if (delivery() != Delivery.EXACTLY_ONCE) {
            return;
        }
        Duration interval =
                flinkConfig
                        .getOptional(CheckpointingOptions.CHECKPOINTING_INTERVAL)
                        .orElseThrow(
                                () ->
                                        new IllegalArgumentException(
                                                "Exactly-once delivery needs checkpointing: set "
                                                        + CheckpointingOptions
                                                                .CHECKPOINTING_INTERVAL
                                                                .key()));
        Duration checkpointTimeout = flinkConfig.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT);
        Duration timeout = transactionTimeout;
        Duration needed = interval.plus(checkpointTimeout);
        if (timeout.compareTo(needed) <= 0) {
            throw new IllegalArgumentException(
                    "The sink's transaction.timeout.ms ("
                            + timeout.toMillis()
                            + ") must be larger than the checkpoint interval + checkpoint timeout ("
                            + interval.toMillis()
                            + " + "
                            + checkpointTimeout.toMillis()
                            + " = "
                            + needed.toMillis()
                            + " ms)");
        }
        long brokerMax = brokerMaxTransactionTimeoutMillis();
        if (timeout.toMillis() > brokerMax) {
            throw new IllegalArgumentException(
                    "The sink's transaction.timeout.ms ("
                            + timeout.toMillis()
                            + ") is above the broker's transaction.max.timeout.ms ("
                            + brokerMax
                            + "): lower "
                            + KafkaOptions.TRANSACTION_TIMEOUT.key()
                            + " or raise the broker's limit");
        }
    }

    private long brokerMaxTransactionTimeoutMillis() throws Exception {
        Properties admin = new Properties();
        admin.putAll(userProperties);
        admin.setProperty(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        admin.setProperty(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "30000");
        try (Admin client = Admin.create(admin)) {
            String broker =
                    client.describeCluster()
                            .nodes()
                            .get(30, TimeUnit.SECONDS)
                            .iterator()
                            .next()
                            .idString();
            ConfigResource resource = new ConfigResource(ConfigResource.Type.BROKER, broker);
            Map<ConfigResource, Config> configs =
                    client.describeConfigs(List.of(resource)).all().get(30, TimeUnit.SECONDS);
            return Long.parseLong(configs.get(resource).get("transaction.max.timeout.ms").value());
        }
    }

    /** For the job log: topics and settings, property names only, never their values. */
    public String describe() {
        return "Kafka "
                + bootstrap()
                + ": "
                + inputTopic()
                + " -> "
                + outputTopic()
                + " (dead letters: "
                + deadLetterTopic()
                + "), group "
                + groupId
                + ", starting offsets "
                + startingOffsets
                + (stopAtLatestOffsets ? ", stopping at the offsets latest at start" : "")
                + ", delivery "
                + delivery
                + ", transactional id prefix "
                + transactionalIdPrefix
                + ", transaction timeout "
                + transactionTimeout.toMillis()
                + " ms"
                + ", properties from file: "
                + new java.util.TreeSet<>(userProperties.stringPropertyNames());
    }
}
