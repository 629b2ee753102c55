package io.tandem.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import io.tandem.doc.AttributeTypes;
import io.tandem.doc.Doc;
import java.util.List;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

class AttributeTypesTest {

    /** Another serializer for the same type, to provoke a conflict. */
    public static final class TestingOtherDosageSerializer extends Serializer<TestingDosage> {
        @Override
        public void write(Kryo kryo, Output output, TestingDosage dosage) {
            output.writeString(dosage.toString());
        }

        @Override
        public TestingDosage read(Kryo kryo, Input input, Class<? extends TestingDosage> type) {
            String[] parts = input.readString().split(" ");
            return new TestingDosage(Double.parseDouble(parts[0]), parts[1]);
        }
    }

    private static SerializerConfigImpl configured(Configuration config) {
        SerializerConfigImpl serializerConfig = new SerializerConfigImpl();
        serializerConfig.configure(config, AttributeTypesTest.class.getClassLoader());
        return serializerConfig;
    }

    @Test
    void registerWritesAKryoEntryThatFlinksSerializerConfigReads() {
        Configuration config = new Configuration();
        AttributeTypes.register(config, TestingDosage.class, TestingDosage.KryoSerializer.class);

        assertEquals(
                List.of(
                        TestingDosage.class.getName()
                                + ": {type: kryo, kryo-type: registered, class: "
                                + TestingDosage.KryoSerializer.class.getName()
                                + "}"),
                config.get(PipelineOptions.SERIALIZATION_CONFIG));
        SerializerConfigImpl serializerConfig = configured(config);
        assertEquals(
                TestingDosage.KryoSerializer.class,
                serializerConfig
                        .getRegisteredTypesWithKryoSerializerClasses()
                        .get(TestingDosage.class));
        AttributeTypes types = AttributeTypes.of(serializerConfig);
        assertTrue(types.accepts(TestingDosage.class));
        assertFalse(types.accepts(Object.class));
    }

    @Test
    void entriesAlreadyThereAreKeptAndRegisteringTwiceChangesNothing() {
        Configuration config = new Configuration();
        String other = StringBuilder.class.getName() + ": {type: kryo}";
        config.set(PipelineOptions.SERIALIZATION_CONFIG, List.of(other));
        AttributeTypes.register(config, TestingDosage.class, TestingDosage.KryoSerializer.class);
        AttributeTypes.register(config, TestingDosage.class, TestingDosage.KryoSerializer.class);

        List<String> entries = config.get(PipelineOptions.SERIALIZATION_CONFIG);
        assertEquals(2, entries.size());
        assertEquals(other, entries.get(0));
        // Plain Kryo registrations count as attribute types too: the user asked for Kryo.
        assertTrue(AttributeTypes.of(configured(config)).accepts(StringBuilder.class));
    }

    @Test
    void aSecondSerializerForTheSameTypeFailsNamingBoth() {
        Configuration config = new Configuration();
        AttributeTypes.register(config, TestingDosage.class, TestingDosage.KryoSerializer.class);
        IllegalArgumentException error =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                AttributeTypes.register(
                                        config,
                                        TestingDosage.class,
                                        TestingOtherDosageSerializer.class));
        assertTrue(error.getMessage().contains(TestingDosage.KryoSerializer.class.getName()));
        assertTrue(error.getMessage().contains(TestingOtherDosageSerializer.class.getName()));
    }

    @Test
    void builtInAndDocumentTypesAreRefused() {
        Configuration config = new Configuration();
        IllegalArgumentException builtIn =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                AttributeTypes.register(
                                        config, String.class, TestingStringSerializer.class));
        assertTrue(builtIn.getMessage().contains("java.lang.String"), builtIn.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> AttributeTypes.register(config, Doc.class, TestingDocSerializer.class));
    }

    /**
     * The registration lives in each job's configuration, not in the JVM-wide map that {@code type:
     * typeinfo} entries go to: two environments in one JVM both take it.
     */
    @Test
    void twoEnvironmentsInOneJvmBothTakeTheRegistration() {
        for (int i = 0; i < 2; i++) {
            Configuration config = new Configuration();
            AttributeTypes.register(
                    config, TestingDosage.class, TestingDosage.KryoSerializer.class);
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(config);
            assertTrue(
                    AttributeTypes.of(env.getConfig().getSerializerConfig())
                            .accepts(TestingDosage.class));
        }
    }

    public static final class TestingStringSerializer extends Serializer<String> {
        @Override
        public void write(Kryo kryo, Output output, String value) {
            output.writeString(value);
        }

        @Override
        public String read(Kryo kryo, Input input, Class<? extends String> type) {
            return input.readString();
        }
    }

    public static final class TestingDocSerializer extends Serializer<Doc> {
        @Override
        public void write(Kryo kryo, Output output, Doc value) {
            throw new UnsupportedOperationException();
        }

        @Override
        public Doc read(Kryo kryo, Input input, Class<? extends Doc> type) {
            throw new UnsupportedOperationException();
        }
    }
}
