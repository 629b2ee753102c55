package io.tandem.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.batching.BatchingOptions;
import io.tandem.doc.AttributeTypes;
import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.records.OutputBatch;
import io.tandem.records.PendingDocsHandle;
import io.tandem.records.TensorBatch;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import io.tandem.source.SampleSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.CompositeType;
import org.apache.flink.api.dag.Transformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.ListTypeInfo;
import org.apache.flink.api.java.typeutils.MapTypeInfo;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.legacy.DiscardingSink;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * No record on Tandem's hot path falls back to Kryo: every edge's type has a dedicated serializer.
 * Two checks: the graph's types contain no {@link GenericTypeInfo}, and the graph builds and runs
 * with {@code pipeline.generic-types: false}, which makes Flink refuse any Kryo-serialized type. A
 * control shows that both checks do catch a type that falls back to Kryo.
 */
class NoKryoITCase {
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private static Configuration withoutGenericTypes() {
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        return cluster;
    }

    private static DataStream<RawRecord> sample(StreamExecutionEnvironment env, int docs) {
        return env.fromSource(SampleSource.create(docs), WatermarkStrategy.noWatermarks(), "input")
                .setParallelism(1);
    }

    @ParameterizedTest(name = "gpu workers = {0}")
    @ValueSource(ints = {0, 1})
    void theDefaultPipelinesGraphHasADedicatedSerializerOnEveryEdge(int gpuWorkers)
            throws Exception {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(withoutGenericTypes());
        new TandemJob(new Configuration(), Pipeline.defaultPipeline(), 2, gpuWorkers, List.of())
                .annotate(sample(env, 40))
                .sinkTo(
                        new JsonLinesFileSink(
                                dir.resolve("out.jsonl"), dir.resolve("dead.jsonl"), true, null))
                .setParallelism(1);

        Set<Class<?>> types = new HashSet<>();
        List<String> generic = new ArrayList<>();
        for (Transformation<?> transformation : allTransformations(env)) {
            collectTypes(transformation.getOutputType(), transformation.getName(), types, generic);
        }
        assertEquals(List.of(), generic, "types that would be serialized with Kryo");
        Set<Class<?>> hotPath =
                gpuWorkers == 0
                        ? Set.of(RawRecord.class, Doc.class, Result.class)
                        : Set.of(
                                RawRecord.class,
                                Doc.class,
                                TensorBatch.class,
                                OutputBatch.class,
                                PendingDocsHandle.class,
                                Result.class);
        assertTrue(types.containsAll(hotPath), "the check saw " + types);

        // With generic types disabled, Flink itself refuses any Kryo type: the job must run.
        env.execute("no-kryo");
        assertEquals(40, Files.readAllLines(dir.resolve("out.jsonl")).size());
    }

    /** A record type without a serializer of its own, as a careless change could introduce. */
    static final class TestingOpaqueRecord {
        private final String value;

        TestingOpaqueRecord(String value) {
            this.value = value;
        }

        @Override
        public String toString() {
            return value;
        }
    }

    @Test
    void theChecksCatchATypeThatFallsBackToKryo() {
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(withoutGenericTypes());
        sample(env, 3)
                .map(record -> new TestingOpaqueRecord(record.origin))
                .returns(TestingOpaqueRecord.class)
                .addSink(new DiscardingSink<>());

        List<String> generic = new ArrayList<>();
        for (Transformation<?> transformation : allTransformations(env)) {
            collectTypes(
                    transformation.getOutputType(),
                    transformation.getName(),
                    new HashSet<>(),
                    generic);
        }
        assertTrue(!generic.isEmpty(), "the walk missed the opaque type");
        assertTrue(
                generic.stream().allMatch(g -> g.contains("TestingOpaqueRecord")),
                generic.toString());
        UnsupportedOperationException refused =
                assertThrows(UnsupportedOperationException.class, env::getStreamGraph);
        assertTrue(
                refused.getMessage().contains("Generic types have been disabled"),
                refused.getMessage());
    }

    /** A user attribute value type, and its Kryo serializer registered through AttributeTypes. */
    public record TestingStrength(double amount, String unit) {}

    public static final class TestingStrengthSerializer extends Serializer<TestingStrength> {
        @Override
        public void write(Kryo kryo, Output output, TestingStrength strength) {
            output.writeDouble(strength.amount());
            output.writeString(strength.unit());
        }

        @Override
        public TestingStrength read(Kryo kryo, Input input, Class<? extends TestingStrength> type) {
            return new TestingStrength(input.readDouble(), input.readString());
        }
    }

    /** Sets a {@link TestingStrength} on every entity, as a user's component would. */
    static final class TestingStrengthComponent implements PipelineComponent {
        @Override
        public String name() {
            return "strength";
        }

        @Override
        public void process(Doc doc) {
            for (Span span : doc.entities()) {
                span.attributes()
                        .put("strength", new TestingStrength(span.end() - span.start(), "mg"));
            }
        }
    }

    @Test
    void aRegisteredAttributeTypeCrossesTheSplitGraphWithGenericTypesDisabled() throws Exception {
        Configuration cluster = withoutGenericTypes();
        AttributeTypes.register(cluster, TestingStrength.class, TestingStrengthSerializer.class);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        // The attribute is set before the model, so documents carry it over the edge to the join.
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .normalizer()
                        .terms(java.util.Map.of("SYMPTOM", List.of("fever", "cough", "chest pain")))
                        .add(new TestingStrengthComponent())
                        .model(io.tandem.ner.OnnxTokenClassifier.tiny())
                        .build();
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "8 docs");
        Path out = dir.resolve("out.jsonl");
        new TandemJob(options, pipeline, 2, 1, List.of())
                .annotate(sample(env, 60))
                .sinkTo(new JsonLinesFileSink(out, dir.resolve("dead.jsonl"), true, null))
                .setParallelism(1);
        env.execute("registered-attribute");

        int withStrength = 0;
        for (String line : Files.readAllLines(out)) {
            for (JsonNode entity : JSON.readTree(line).get("entities")) {
                JsonNode strength = entity.get("attributes").get("strength");
                if (strength != null) {
                    withStrength++;
                    assertEquals(
                            entity.get("end").asInt() - entity.get("start").asInt(),
                            strength.get("amount").asDouble());
                    assertEquals("mg", strength.get("unit").asText());
                }
            }
        }
        assertTrue(withStrength > 0, "no entity carried the registered attribute");
        assertEquals(List.of(), Files.readAllLines(dir.resolve("dead.jsonl")));
    }

    private static List<Transformation<?>> allTransformations(StreamExecutionEnvironment env) {
        Set<Transformation<?>> seen = new HashSet<>();
        Deque<Transformation<?>> todo = new ArrayDeque<>(env.getTransformations());
        while (!todo.isEmpty()) {
            Transformation<?> t = todo.pop();
            if (seen.add(t)) {
                todo.addAll(t.getTransitivePredecessors());
            }
        }
        return new ArrayList<>(seen);
    }

    private static void collectTypes(
            TypeInformation<?> type, String where, Set<Class<?>> types, List<String> generic) {
        if (type == null) {
            return;
        }
        types.add(type.getTypeClass());
        if (type instanceof GenericTypeInfo<?>) {
            generic.add(type.getTypeClass().getName() + " (output of " + where + ")");
        } else if (type instanceof CompositeType<?> composite) {
            for (int i = 0; i < composite.getArity(); i++) {
                collectTypes(composite.getTypeAt(i), where, types, generic);
            }
        } else if (type instanceof ListTypeInfo<?> list) {
            collectTypes(list.getElementTypeInfo(), where, types, generic);
        } else if (type instanceof MapTypeInfo<?, ?> map) {
            collectTypes(map.getKeyTypeInfo(), where, types, generic);
            collectTypes(map.getValueTypeInfo(), where, types, generic);
        }
    }
}
