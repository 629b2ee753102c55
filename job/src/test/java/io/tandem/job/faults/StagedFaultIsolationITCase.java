package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.CircuitBreaker;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Failure isolation and the circuit breaker work per model stage: a poison document in the second
 * stage of a two-stage pipeline costs only itself and its dead letter names that stage's model; a
 * second stage that fails every batch fails the job through its own breaker, naming its model. In
 * both layouts.
 */
class StagedFaultIsolationITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SECOND = "ner-2";
    private static final int DOCS = 240;
    private static final Set<Integer> POISONED = Set.of(17, 101, 202);

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @TempDir Path dir;

    private record Run(Map<String, String> outputs, List<JsonNode> deadLetters) {}

    /** {@value #DOCS} sample notes; the poisoned ones end with the fault marker. */
    private Path input() throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            var sample = corpus.generate(i);
            lines.add(
                    JSON.createObjectNode()
                            .put("id", sample.id())
                            .put(
                                    "text",
                                    POISONED.contains(i)
                                            ? sample.text() + " " + FaultInjectingModel.MARKER
                                            : sample.text())
                            .toString());
        }
        return Files.write(dir.resolve("input.jsonl"), lines);
    }

    private static Set<String> poisonedIds() {
        SampleCorpus corpus = new SampleCorpus();
        Set<String> ids = new TreeSet<>();
        POISONED.forEach(i -> ids.add(corpus.generate(i).id()));
        return ids;
    }

    /** NER, negation, then {@code second} as a stage of its own. */
    private Run run(String name, ModelComponent<?> second, int gpuWorkers) throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, "16 docs");
        options.set(BatchingOptions.CHUNK_SIZE, 64);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .model(OnnxTokenClassifier.tiny())
                        .negation("en", "fr")
                        .model(second)
                        .build();
        Path out = dir.resolve(name + ".out.jsonl");
        Path dead = dir.resolve(name + ".dead.jsonl");
        new TandemJob(options, pipeline, 2, gpuWorkers, List.of())
                .attach(
                        env,
                        FileInputSource.of(input()),
                        1,
                        new JsonLinesFileSink(out, dead, true, null));
        env.execute(name);
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out)) {
            outputs.put(JSON.readTree(line).get("id").asText(), line);
        }
        List<JsonNode> deadLetters = new ArrayList<>();
        for (String line : Files.readAllLines(dead)) {
            deadLetters.add(JSON.readTree(line));
        }
        return new Run(outputs, deadLetters);
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void aPoisonDocumentInTheSecondStageCostsOnlyItselfAndItsDeadLetterNamesThatModel(
            int gpuWorkers) throws Exception {
        Run healthy =
                run(
                        "healthy-" + gpuWorkers,
                        OnnxTokenClassifier.builder().name(SECOND).build(),
                        gpuWorkers);
        Run faulty =
                run(
                        "faulty-" + gpuWorkers,
                        new FaultInjectingModel(FaultInjectingModel.Fault.THROW_ON_MARKER, SECOND),
                        gpuWorkers);

        Set<String> deadIds = new TreeSet<>();
        for (JsonNode deadLetter : faulty.deadLetters()) {
            deadIds.add(deadLetter.get("id").asText());
            assertEquals("forward", deadLetter.get("stage").asText());
            assertEquals(SECOND, deadLetter.get("model").asText(), deadLetter.toString());
            assertEquals("injected failure: a marked document", deadLetter.get("reason").asText());
        }
        assertEquals(poisonedIds(), deadIds);
        assertEquals(DOCS, healthy.outputs().size());
        Map<String, String> expected = new LinkedHashMap<>(healthy.outputs());
        poisonedIds().forEach(expected::remove);
        assertEquals(expected, faulty.outputs(), "the others as a healthy second stage left them");
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void aSecondStageThatFailsEveryBatchTripsItsOwnBreakerNamingItsModel(int gpuWorkers)
            throws Exception {
        Exception failure =
                assertThrows(
                        Exception.class,
                        () ->
                                run(
                                        "sticky-" + gpuWorkers,
                                        new FaultInjectingModel(
                                                FaultInjectingModel.Fault.THROW_ALWAYS, SECOND),
                                        gpuWorkers));

        var breaker =
                ExceptionUtils.findThrowable(
                        failure, CircuitBreaker.ModelStageFailingException.class);
        assertTrue(breaker.isPresent(), ExceptionUtils.stringifyException(failure));
        String message = breaker.get().getMessage();
        assertTrue(message.startsWith("Model '" + SECOND + "' failed "), message);
        assertTrue(message.contains("injected sticky device error"), message);
    }
}
