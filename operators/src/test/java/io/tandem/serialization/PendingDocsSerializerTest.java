package io.tandem.serialization;

import io.tandem.doc.DocSerializer;
import io.tandem.records.PendingDocs;
import java.util.Arrays;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.testutils.DeeplyEqualsChecker;

/** The documents' edge to the join; the record holds arrays, so equality is field by field. */
class PendingDocsSerializerTest extends SerializerTestBase<PendingDocs> {

    PendingDocsSerializerTest() {
        super(
                new DeeplyEqualsChecker()
                        .withCustomCheck(
                                (a, b) -> a instanceof PendingDocs && b instanceof PendingDocs,
                                (a, b, checker) -> {
                                    PendingDocs x = (PendingDocs) a;
                                    PendingDocs y = (PendingDocs) b;
                                    return x.producer() == y.producer()
                                            && x.seq() == y.seq()
                                            && x.docs().equals(y.docs())
                                            && Arrays.equals(x.arrivals(), y.arrivals())
                                            && Arrays.equals(x.features(), y.features());
                                }));
    }

    @Override
    protected TypeSerializer<PendingDocs> createSerializer() {
        return new PendingDocs.Serializer(
                new DocSerializer(DocSerializerWithAttributeTypesTest.configWithDosage()));
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<PendingDocs> getTypeClass() {
        return PendingDocs.class;
    }

    @Override
    protected PendingDocs[] getTestData() {
        return TestingRecords.pendingDocs();
    }
}
