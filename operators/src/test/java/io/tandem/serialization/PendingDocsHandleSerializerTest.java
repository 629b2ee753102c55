package io.tandem.serialization;

import io.tandem.records.PendingDocsHandle;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

class PendingDocsHandleSerializerTest extends SerializerTestBase<PendingDocsHandle> {
    @Override
    protected TypeSerializer<PendingDocsHandle> createSerializer() {
        return PendingDocsHandle.Serializer.INSTANCE;
    }

    @Override
    protected int getLength() {
        return 12;
    }

    @Override
    protected Class<PendingDocsHandle> getTypeClass() {
        return PendingDocsHandle.class;
    }

    @Override
    protected PendingDocsHandle[] getTestData() {
        return new PendingDocsHandle[] {
            new PendingDocsHandle(0, 0),
            new PendingDocsHandle(3, 41),
            new PendingDocsHandle(Integer.MAX_VALUE, Long.MAX_VALUE)
        };
    }
}
