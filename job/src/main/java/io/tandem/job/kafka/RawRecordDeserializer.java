package io.tandem.job.kafka;

import io.tandem.doc.SourcePosition;
import io.tandem.source.RawRecord;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Kafka records become raw records unparsed, with their topic, partition and offset, so every
 * record, even one whose value is not JSON or not UTF-8, reaches the parser and ends in the output
 * or the dead-letter topic. The offset is the sequence number: order holds per partition.
 */
final class RawRecordDeserializer implements KafkaRecordDeserializationSchema<RawRecord> {
    private static final long serialVersionUID = 1L;

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<RawRecord> out) {
        byte[] value = record.value() == null ? new byte[0] : record.value();
        out.collect(
                new RawRecord(
                        record.offset(),
                        SourcePosition.kafka(record.topic(), record.partition(), record.offset()),
                        value));
    }

    @Override
    public TypeInformation<RawRecord> getProducedType() {
        return TypeInformation.of(RawRecord.class);
    }
}
