package io.tandem.job.kafka;

import io.tandem.parse.ResultLine;
import java.nio.charset.StandardCharsets;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Outputs go to the output topic keyed by document id, dead letters to the dead-letter topic; one
 * transactional sink writes both, so both commit with the same checkpoint.
 */
final class ResultRecordSerializer implements KafkaRecordSerializationSchema<ResultLine> {
    private static final long serialVersionUID = 1L;

    private final String outputTopic;
    private final String deadLetterTopic;

    ResultRecordSerializer(String outputTopic, String deadLetterTopic) {
        this.outputTopic = outputTopic;
        this.deadLetterTopic = deadLetterTopic;
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            ResultLine line, KafkaSinkContext context, Long timestamp) {
        byte[] key = line.key == null ? null : line.key.getBytes(StandardCharsets.UTF_8);
        return new ProducerRecord<>(
                line.deadLetter ? deadLetterTopic : outputTopic,
                null,
                timestamp,
                key,
                line.json.getBytes(StandardCharsets.UTF_8));
    }
}
