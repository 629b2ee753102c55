package io.tandem.serialization;

import io.tandem.records.OutputBatch;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class OutputBatchSerializerTest extends SerializerTestBase<OutputBatch> {
    @Override
    protected TypeSerializer<OutputBatch> createSerializer() {
        return OutputBatch.Serializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<OutputBatch> getTypeClass() {
        return OutputBatch.class;
    }

    @Override
    protected OutputBatch[] getTestData() {
        return TestingRecords.outputBatches();
    }
}
