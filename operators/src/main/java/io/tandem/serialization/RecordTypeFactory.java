package io.tandem.serialization;

import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.util.function.SerializableFunction;

/**
 * The {@code @TypeInfo} factory of a record with a dedicated serializer: a subclass only names the
 * record and how its serializer is made from the job's serializer configuration.
 */
public abstract class RecordTypeFactory<T> extends TypeInfoFactory<T> {
    private final Class<T> type;
    private final SerializableFunction<SerializerConfig, TypeSerializer<T>> serializer;

    protected RecordTypeFactory(
            Class<T> type, SerializableFunction<SerializerConfig, TypeSerializer<T>> serializer) {
        this.type = type;
        this.serializer = serializer;
    }

    @Override
    public TypeInformation<T> createTypeInfo(
            Type t, Map<String, TypeInformation<?>> genericParameters) {
        return new RecordTypeInfo<>(type, serializer);
    }
}
