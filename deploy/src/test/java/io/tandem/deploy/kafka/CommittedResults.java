package io.tandem.deploy.kafka;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * What a Kafka job committed of its input, as a {@code read_committed} consumer of the output and
 * dead-letter topics sees it: how often each input record (its partition and offset in the input
 * topic, which outputs and dead letters both carry under {@code source}) came out.
 */
public final class CommittedResults implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The exactly-once figures: every input once, across outputs and dead letters. */
    public record Counts(
            int inputs, int outputs, int deadLetters, int duplicates, int missing, int unexpected) {
        @Override
        public String toString() {
            return String.format(
                    "%d inputs: %d outputs, %d dead letters, %d duplicates, %d missing,"
                            + " %d unexpected",
                    inputs, outputs, deadLetters, duplicates, missing, unexpected);
        }
    }

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String outputTopic;
    private final Map<String, Integer> timesOut = new HashMap<>();
    private int outputs;
    private int deadLetters;

    /** Starts reading both topics from their beginning. */
    public CommittedResults(String bootstrap, String outputTopic, String deadLetterTopic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        this.consumer =
                new KafkaConsumer<>(
                        props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.outputTopic = outputTopic;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(outputTopic, deadLetterTopic)) {
            consumer.partitionsFor(topic)
                    .forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /** Reads what has been committed since the last call, for at most {@code wait}. */
    public void poll(Duration wait) {
        for (ConsumerRecord<byte[], byte[]> record : consumer.poll(wait)) {
            if (record.topic().equals(outputTopic)) {
                outputs++;
            } else {
                deadLetters++;
            }
            timesOut.merge(inputPosition(record), 1, Integer::sum);
        }
    }

    /**
     * Reads up to the end of every partition as it stands now (for {@code read_committed}: up to
     * the first transaction still open).
     */
    public void readToEnd(Duration timeout) {
        Map<TopicPartition, Long> end = consumer.endOffsets(consumer.assignment());
        long deadline = System.nanoTime() + timeout.toNanos();
        while (end.entrySet().stream()
                .anyMatch(e -> consumer.position(e.getKey()) < e.getValue())) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Did not reach the end offsets " + end + " within " + timeout);
            }
            poll(Duration.ofMillis(200));
        }
    }

    /**
     * Polls until {@code count} distinct inputs came out, calling {@code whileWaiting} between
     * polls (which may throw to stop early).
     */
    public void awaitInputs(int count, Duration timeout, Runnable whileWaiting) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (timesOut.size() < count) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "Only "
                                + timesOut.size()
                                + " of "
                                + count
                                + " inputs committed after "
                                + timeout);
            }
            whileWaiting.run();
            poll(Duration.ofMillis(500));
        }
    }

    /** Distinct inputs that came out so far. */
    public int inputsOut() {
        return timesOut.size();
    }

    /** The figures against {@code inputs}, the positions of every record of the input topic. */
    public Counts counts(Set<String> inputs) {
        int duplicates = 0;
        int unexpected = 0;
        for (Map.Entry<String, Integer> out : timesOut.entrySet()) {
            if (!inputs.contains(out.getKey())) {
                unexpected++;
            }
            duplicates += out.getValue() - 1;
        }
        int missing = (int) inputs.stream().filter(input -> !timesOut.containsKey(input)).count();
        return new Counts(inputs.size(), outputs, deadLetters, duplicates, missing, unexpected);
    }

    /** {@code partition/offset} of the input record, from the result's {@code source}. */
    private static String inputPosition(ConsumerRecord<byte[], byte[]> record) {
        try {
            JsonNode source = JSON.readTree(record.value()).path("source");
            if (!source.has("partition") || !source.has("offset")) {
                throw new IllegalStateException(
                        "A result in "
                                + record.topic()
                                + " without its input's partition and offset: "
                                + new String(record.value(), StandardCharsets.UTF_8));
            }
            return position(source.path("partition").asInt(), source.path("offset").asLong());
        } catch (IOException e) {
            throw new UncheckedIOException("A result in " + record.topic() + " is not JSON", e);
        }
    }

    /** How an input record is named here: {@code partition/offset} in the input topic. */
    public static String position(int partition, long offset) {
        return partition + "/" + offset;
    }

    @Override
    public void close() {
        consumer.close();
    }
}
