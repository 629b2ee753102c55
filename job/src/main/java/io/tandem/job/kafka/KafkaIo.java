package io.tandem.job.kafka;

import io.tandem.options.TandemOptions;
import io.tandem.options.TandemOptions.Delivery;
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
 * The Kafka source and sink of a continuous Tandem job, built from {@link TandemOptions} and the
 * user's properties file (security settings, applied to both). Checks at start-up that exactly once
 * can hold: the sink's transaction timeout must exceed checkpoint interval + timeout, and must not
 * exceed the broker's {@code transaction.max.timeout.ms}.
 */
public final class KafkaIo {
    private final Configuration options;
    private final Properties userProperties;

    public KafkaIo(Configuration options) {
        this.options = options;
        this.userProperties =
                loadProperties(options.getOptional(TandemOptions.KAFKA_PROPERTIES).orElse(null));
        require(TandemOptions.KAFKA_BOOTSTRAP, "--kafka-bootstrap");
        require(TandemOptions.INPUT_TOPIC, "--input-topic");
        require(TandemOptions.OUTPUT_TOPIC, "--output-topic");
        if (deadLetterTopic().equals(outputTopic())
                || deadLetterTopic().equals(inputTopic())
                || outputTopic().equals(inputTopic())) {
            throw new IllegalArgumentException(
                    "Input topic '"
                            + inputTopic()
                            + "', output topic '"
                            + outputTopic()
                            + "' and dead-letter topic '"
                            + deadLetterTopic()
                            + "' must all differ");
        }
    }

    private void require(org.apache.flink.configuration.ConfigOption<String> option, String flag) {
        if (options.getOptional(option).filter(v -> !v.isBlank()).isEmpty()) {
            throw new IllegalArgumentException(
                    "Kafka mode needs " + flag + " (" + option.key() + ")");
        }
    }

    static Properties loadProperties(String file) {
        Properties properties = new Properties();
        if (file == null) {
            return properties;
        }
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new IllegalArgumentException(
                    "Kafka properties file '" + file + "' does not exist");
        }
        try (Reader reader = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            properties.load(reader);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read Kafka properties file '" + file + "': " + e.getMessage());
        }
        return properties;
    }

    public String bootstrap() {
        return options.get(TandemOptions.KAFKA_BOOTSTRAP);
    }

    public String inputTopic() {
        return options.get(TandemOptions.INPUT_TOPIC);
    }

    public String outputTopic() {
        return options.get(TandemOptions.OUTPUT_TOPIC);
    }

    public String deadLetterTopic() {
        return options.getOptional(TandemOptions.DLQ_TOPIC).orElse(outputTopic() + "-dlq");
    }

    public String transactionalIdPrefix() {
        return options.getOptional(TandemOptions.TRANSACTIONAL_ID_PREFIX)
                .orElse("tandem-" + options.get(TandemOptions.GROUP_ID) + "-" + outputTopic());
    }

    public Delivery delivery() {
        return options.get(TandemOptions.DELIVERY);
    }

    public KafkaSource<RawRecord> source() {
        OffsetsInitializer start =
                switch (options.get(TandemOptions.STARTING_OFFSETS)) {
                    case EARLIEST -> OffsetsInitializer.earliest();
                    case LATEST -> OffsetsInitializer.latest();
                    case COMMITTED ->
                            OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
                };
        KafkaSourceBuilder<RawRecord> builder =
                KafkaSource.<RawRecord>builder()
                        .setBootstrapServers(bootstrap())
                        .setTopics(inputTopic())
                        .setGroupId(options.get(TandemOptions.GROUP_ID))
                        .setStartingOffsets(start)
                        .setDeserializer(new RawRecordDeserializer())
                        .setProperties(userProperties)
                        // Upstream producers may be transactional too: never read aborted data.
                        .setProperty(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        if (options.get(TandemOptions.STOP_AT_LATEST_OFFSETS)) {
            builder.setBounded(OffsetsInitializer.latest());
        }
        return builder.build();
    }

    public KafkaSink<Result> sink() {
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
                String.valueOf(transactionTimeout().toMillis()));
        return KafkaSink.<Result>builder()
                .setBootstrapServers(bootstrap())
                .setKafkaProducerConfig(producer)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionalIdPrefix())
                .setRecordSerializer(new ResultRecordSerializer(outputTopic(), deadLetterTopic()))
                .build();
    }

    private Duration transactionTimeout() {
        String fromFile = userProperties.getProperty(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        return fromFile != null
                ? Duration.ofMillis(Long.parseLong(fromFile.trim()))
                : options.get(TandemOptions.TRANSACTION_TIMEOUT);
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
                                                "Exactly-once delivery needs checkpointing: set --checkpoint-interval"));
        Duration checkpointTimeout = flinkConfig.get(CheckpointingOptions.CHECKPOINTING_TIMEOUT);
        Duration timeout = transactionTimeout();
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
                            + "): lower --transaction-timeout or raise the broker's limit");
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
                + options.get(TandemOptions.GROUP_ID)
                + ", starting offsets "
                + options.get(TandemOptions.STARTING_OFFSETS)
                + ", delivery "
                + delivery()
                + ", transactional id prefix "
                + transactionalIdPrefix()
                + ", properties from file: "
                + new java.util.TreeSet<>(userProperties.stringPropertyNames());
    }
}
