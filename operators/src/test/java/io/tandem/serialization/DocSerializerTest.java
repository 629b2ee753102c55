package io.tandem.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.DocSerializer;
import io.tandem.doc.Span;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.SerializerTestBase;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/** Flink's round-trip suite on hand-made documents and sample documents of the default pipeline. */
class DocSerializerTest extends SerializerTestBase<Doc> {

    @Override
    protected TypeSerializer<Doc> createSerializer() {
        return new DocSerializer(new SerializerConfigImpl());
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
        try {
            List<Doc> docs = new ArrayList<>(TestingRecords.handMadeDocs());
            docs.addAll(TestingRecords.annotatedSampleDocs(12));
            return docs.toArray(new Doc[0]);
        } catch (Exception e) {
            throw new IllegalStateException("Could not annotate the sample documents", e);
        }
    }

    @Test
    void copiesAreIndependentOfTheOriginal() {
        Doc original = TestingRecords.handMadeDocs().get(1);
        Doc copy = createSerializer().copy(original);
        assertEquals(original, copy);
        assertNotSame(original.tokens().get(0), copy.tokens().get(0));
        assertNotSame(original.entities().get(0), copy.entities().get(0));

        copy.tokens().get(0).setNorm("changed");
        copy.entities().get(0).attributes().put("negated", false);
        copy.entities().add(new Span(0, 1, "NEW", "test"));
        assertEquals("elodie", original.tokens().get(0).norm());
        assertEquals(true, original.entities().get(0).attributes().get("negated"));
        assertEquals(3, original.entities().size());
        // Immutable parts are shared, not copied.
        assertSame(original.text(), copy.text());
    }

    @Test
    void anUnregisteredAttributeTypeFailsNamingTheAttributeAndTheType() {
        Doc doc = TestingRecords.docWithDosage();
        IOException error =
                assertThrows(
                        IOException.class,
                        () -> createSerializer().serialize(doc, new DataOutputSerializer(64)));
        assertTrue(error.getMessage().contains("'dose'"), error.getMessage());
        assertTrue(error.getMessage().contains(TestingDosage.class.getName()), error.getMessage());
        assertTrue(error.getMessage().contains("AttributeTypes.register"), error.getMessage());
    }

    @Test
    void withoutRegisteredTypesOneInstanceServesEveryThread() {
        TypeSerializer<Doc> serializer = createSerializer();
        assertSame(serializer, serializer.duplicate());
    }

    @Test
    void repeatedLabelsAndKeysAreWrittenOnce() throws IOException {
        Doc doc = new Doc("d", "x".repeat(100), 0, null, null);
        for (int i = 0; i < 50; i++) {
            doc.entities()
                    .add(
                            new Span(
                                    i,
                                    i + 1,
                                    "A_LONG_LABEL",
                                    "a-long-source",
                                    Map.of("negated", true)));
        }
        DataOutputSerializer out = new DataOutputSerializer(256);
        createSerializer().serialize(doc, out);
        // Per span: start, length, two references, attribute count, key reference, tag, value.
        assertTrue(out.length() < 100 + 50 * 9 + 40, "wrote " + out.length() + " bytes");
    }
}
