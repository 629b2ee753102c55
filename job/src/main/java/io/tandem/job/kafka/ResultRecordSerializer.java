package io.tandem.job.kafka;

import io.tandem.job.format.JsonResults;
import io.tandem.results.Result;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Outputs go to the output topic keyed by document id, dead letters to the dead-letter topic; one
 * transactional sink writes both, so both commit with the same checkpoint.
 */
final class ResultRecordSerializer implements KafkaRecordSerializationSchema<Result> {
    private static final long serialVersionUID = 1L;

    private final String outputTopic;
    private final String deadLetterTopic;
    private final boolean sentences;

    ResultRecordSerializer(String outputTopic, String deadLetterTopic, boolean sentences) {
        this.outputTopic = outputTopic;
        this.deadLetterTopic = deadLetterTopic;
        this.sentences = sentences;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            Result result, KafkaSinkContext context, Long timestamp) {
        String id = result.key();
        return new ProducerRecord<>(
                result.isDeadLetter() ? deadLetterTopic : outputTopic,
                null,
                timestamp,
                id == null ? null : id.getBytes(StandardCharsets.UTF_8),
                JsonResults.encode(result, sentences).getBytes(StandardCharsets.UTF_8));
    }
}
