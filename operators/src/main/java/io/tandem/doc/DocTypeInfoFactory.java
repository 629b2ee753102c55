package io.tandem.doc;

import io.tandem.serialization.RecordTypeFactory;

/** Attached to {@link Doc} with {@code @TypeInfo}, so Flink never falls back to Kryo for it. */
public final class DocTypeInfoFactory extends RecordTypeFactory<Doc> {
    public DocTypeInfoFactory() {
        super(Doc.class, DocSerializer::new);
    }
}
