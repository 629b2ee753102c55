package io.tandem.doc;

import io.tandem.serialization.RecordTypeInfo;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** Attached to {@link Doc} with {@code @TypeInfo}, so Flink never falls back to Kryo for it. */
public final class DocTypeInfoFactory extends TypeInfoFactory<Doc> {
    @Override
    public TypeInformation<Doc> createTypeInfo(
            Type t, Map<String, TypeInformation<?>> genericParameters) {
        return new RecordTypeInfo<>(Doc.class, DocSerializer::new);
    }
}
