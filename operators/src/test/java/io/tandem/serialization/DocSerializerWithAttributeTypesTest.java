package io.tandem.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import io.tandem.doc.AttributeTypes;
import io.tandem.doc.Doc;
import io.tandem.doc.DocSerializer;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;

/** The round-trip suite with a user attribute type registered through the configuration. */
class DocSerializerWithAttributeTypesTest extends SerializerTestBase<Doc> {

    static SerializerConfigImpl configWithDosage() {
        Configuration config = new Configuration();
        AttributeTypes.register(config, TestingDosage.class, TestingDosage.KryoSerializer.class);
        SerializerConfigImpl serializerConfig = new SerializerConfigImpl();
        serializerConfig.configure(
                config, DocSerializerWithAttributeTypesTest.class.getClassLoader());
        return serializerConfig;
    }

    @Override
    protected TypeSerializer<Doc> createSerializer() {
        return new DocSerializer(configWithDosage());
    }

    @Override
    protected int getLength() {
        return -1;
    }

    @Override
    protected Class<Doc> getTypeClass() {
        return Doc.class;
    }

    @Override
    protected Doc[] getTestData() {
        List<Doc> docs = new ArrayList<>(TestingRecords.handMadeDocs());
        docs.add(TestingRecords.docWithDosage());
        docs.add(TestingRecords.docWithDosage());
        return docs.toArray(new Doc[0]);
    }

    @Test
    void registeredTypesMakeTheSerializerStatefulSoEachThreadGetsItsOwn() {
        TypeSerializer<Doc> serializer = createSerializer();
        TypeSerializer<Doc> duplicate = serializer.duplicate();
        assertNotSame(serializer, duplicate);
        assertEquals(serializer, duplicate);
    }

    @Test
    void theRegisteredTypeIsAccepted() {
        DocSerializer serializer = (DocSerializer) createSerializer();
        assertEquals(true, serializer.attributeTypes().accepts(TestingDosage.class));
        assertEquals(false, serializer.attributeTypes().accepts(StringBuilder.class));
    }
}
