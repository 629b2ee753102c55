package io.tandem.serialization;

import io.tandem.records.TensorBatch;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class TensorBatchSerializerTest extends SerializerTestBase<TensorBatch> {
    @Override
    protected TypeSerializer<TensorBatch> createSerializer() {
        return TensorBatch.Serializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<TensorBatch> getTypeClass() {
        return TensorBatch.class;
    }

    @Override
    protected TensorBatch[] getTestData() {
        return TestingRecords.tensorBatches();
    }
}
