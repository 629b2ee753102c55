package io.tandem.serialization;

import io.tandem.doc.DocSerializer;
import io.tandem.results.Result;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** The operators' output: documents (with registered attribute types) and dead letters. */
class ResultSerializerTest extends SerializerTestBase<Result> {

    @Override
    protected TypeSerializer<Result> createSerializer() {
        return new Result.Serializer(
                new DocSerializer(DocSerializerWithAttributeTypesTest.configWithDosage()));
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Result> getTypeClass() {
        return Result.class;
    }

    @Override
    protected Result[] getTestData() {
        java.util.List<io.tandem.doc.Doc> docs = TestingRecords.handMadeDocs();
        docs = new java.util.ArrayList<>(docs);
        docs.add(TestingRecords.docWithDosage());
        return TestingRecords.results(docs);
    }
}
