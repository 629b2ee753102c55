package io.tandem.job.faults;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.batching.BatchingOptions;
import io.tandem.batching.CircuitBreaker;
import io.tandem.inference.ModelComponent;
import io.tandem.job.TandemJob;
import io.tandem.job.sink.JsonLinesFileSink;
import io.tandem.models.TinyModel;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import io.tandem.sample.SampleDoc;
import io.tandem.source.FileInputSource;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.ExceptionUtils;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * One poison document costs one document, in both layouts: with a model that throws on marked
 * documents, and with a real ONNX Runtime failure (a Gather whose table lacks the last vocabulary
 * id); the other documents of each batch get the outputs a healthy model gives them. A model that
 * fails every batch fails the job through the circuit breaker; a document that does not fit in
 * memory alone is a dead letter saying so; a model that fails its start-up check fails the job
 * before any document.
 */
class FaultIsolationITCase {
    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setConfiguration(REPORTER.addToConfiguration(new Configuration()))
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final int DOCS = 240;
    private static final int DOCS_PER_BATCH = 16;
    private static final Set<Integer> POISONED = Set.of(17, 101, 202);

    @TempDir Path dir;

    /** What a run wrote: outputs by document id, and the dead letters. */
    private record Run(JobID job, Map<String, String> outputs, List<JsonNode> deadLetters) {
        Set<String> deadLetterIds() {
            Set<String> ids = new TreeSet<>();
            deadLetters.forEach(d -> ids.add(d.get("id").asText()));
            return ids;
        }
    }

    /** {@value #DOCS} sample notes; the poisoned ones end with {@code word}. */
    private Path input(String name, String word) throws Exception {
        SampleCorpus corpus = new SampleCorpus();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            SampleDoc sample = corpus.generate(i);
            ObjectNode line = JSON.createObjectNode();
            line.put("id", sample.id());
            line.put("text", POISONED.contains(i) ? sample.text() + " " + word : sample.text());
            lines.add(line.toString());
        }
        Path file = dir.resolve(name + ".jsonl");
        Files.write(file, lines);
        return file;
    }

    /**
     * {@value #DOCS} one-sentence notes (one row each); the poisoned ones end with {@code word}.
     */
    private Path shortInput(String name, String word) throws Exception {
        List<String> lines = new ArrayList<>();
        SampleCorpus corpus = new SampleCorpus();
        for (int i = 0; i < DOCS; i++) {
            ObjectNode line = JSON.createObjectNode();
            line.put("id", corpus.generate(i).id());
            String text = "Patient " + i + " takes aspirin twice a day.";
            line.put("text", POISONED.contains(i) ? text + " " + word : text);
            lines.add(line.toString());
        }
        Path file = dir.resolve(name + ".jsonl");
        Files.write(file, lines);
        return file;
    }

    private static Set<String> poisonedIds() {
        SampleCorpus corpus = new SampleCorpus();
        Set<String> ids = new TreeSet<>();
        POISONED.forEach(i -> ids.add(corpus.generate(i).id()));
        return ids;
    }

    private Run run(String name, Path input, ModelComponent<?> model, int gpuWorkers)
            throws Exception {
        Configuration options = new Configuration();
        options.set(BatchingOptions.BATCH_SIZE, DOCS_PER_BATCH + " docs");
        options.set(BatchingOptions.CHUNK_SIZE, 64);
        options.set(BatchingOptions.MAX_BATCH_DELAY, Duration.ofMillis(20));
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(cluster);
        Path out = dir.resolve(name + ".out.jsonl");
        Path dead = dir.resolve(name + ".dead.jsonl");
        new TandemJob(
                        options,
                        Pipeline.builder().tokenizer().model(model).build(),
                        2,
                        gpuWorkers,
                        List.of())
                .attach(
                        env,
                        FileInputSource.of(input),
                        1,
                        new JsonLinesFileSink(out, dead, true, null));
        JobID job = env.execute(name).getJobID();
        Map<String, String> outputs = new LinkedHashMap<>();
        for (String line : Files.readAllLines(out)) {
            outputs.put(JSON.readTree(line).get("id").asText(), line);
        }
        List<JsonNode> deadLetters = new ArrayList<>();
        for (String line : Files.readAllLines(dead)) {
            deadLetters.add(JSON.readTree(line));
        }
        return new Run(job, outputs, deadLetters);
    }

    private static long sum(JobID job, String metric) {
        long total = 0;
        for (Metric value : REPORTER.findMetrics(job, metric).values()) {
            total += ((Counter) value).getCount();
        }
        return total;
    }

    /** The healthy model's outputs, without the documents that failed. */
    private static Map<String, String> without(Map<String, String> outputs, Set<String> ids) {
        Map<String, String> kept = new LinkedHashMap<>(outputs);
        ids.forEach(kept::remove);
        return kept;
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void aPoisonDocumentCostsOnlyItselfAndTheRestOfItsBatchIsUntouched(int gpuWorkers)
            throws Exception {
        Path input = input("marked", FaultInjectingModel.MARKER);
        Run healthy = run("healthy-" + gpuWorkers, input, OnnxTokenClassifier.tiny(), gpuWorkers);
        Run faulty =
                run(
                        "faulty-" + gpuWorkers,
                        input,
                        new FaultInjectingModel(FaultInjectingModel.Fault.THROW_ON_MARKER),
                        gpuWorkers);

        assertEquals(poisonedIds(), faulty.deadLetterIds(), "exactly the poisoned documents");
        for (JsonNode deadLetter : faulty.deadLetters()) {
            assertEquals("forward", deadLetter.get("stage").asText());
            assertEquals(IllegalStateException.class.getName(), deadLetter.get("error").asText());
            assertEquals("injected failure: a marked document", deadLetter.get("reason").asText());
            assertEquals("ner", deadLetter.get("model").asText());
            assertTrue(deadLetter.get("batch").asLong() >= 0, deadLetter.toString());
        }
        assertEquals(DOCS, healthy.outputs().size());
        assertEquals(without(healthy.outputs(), poisonedIds()), faulty.outputs());

        long extraForwards = sum(faulty.job(), "tandemForwardBisectionAttempts");
        int perPoison = 2 * (32 - Integer.numberOfLeadingZeros(DOCS_PER_BATCH - 1));
        System.out.printf(
                "FaultIsolationITCase, %d inference subtasks: %d poison documents, %d lost,"
                        + " %d extra forward passes (%.1f per poison; 2*log2(%d) = %d)%n",
                gpuWorkers,
                POISONED.size(),
                faulty.deadLetters().size(),
                extraForwards,
                (double) extraForwards / POISONED.size(),
                DOCS_PER_BATCH,
                perPoison);
        assertTrue(extraForwards > 0, "the poisoned batches were split");
        assertTrue(
                extraForwards <= (long) POISONED.size() * perPoison,
                extraForwards + " extra forward passes");
    }

    @ParameterizedTest(name = "{0} inference subtasks")
    @ValueSource(ints = {0, 1})
    void aRealOnnxRuntimeFailureCostsOnlyTheDocumentsHoldingTheMissingId(int gpuWorkers)
            throws Exception {
        TinyModel tiny = TinyModel.create();
        int vocabulary = tiny.vocabulary().tokens().size();
        String missing = tiny.vocabulary().tokens().get(vocabulary - 1);
        Path folder = Files.createDirectories(dir.resolve("short-table-" + gpuWorkers));
        Files.write(folder.resolve("model.onnx"), tiny.onnxBytes(vocabulary - 1));
        for (String file : List.of("tokenizer.json", "config.json")) {
            try (InputStream in =
                    TinyModel.class.getResourceAsStream("/" + TinyModel.RESOURCE_DIR + file)) {
                Files.copy(in, folder.resolve(file));
            }
        }
        OnnxTokenClassifier shortTable =
                OnnxTokenClassifier.builder().model(folder.toString()).build();
        // A word that ends in the missing piece, e.g. atorva + ##statine.
        String poison = "atorva" + missing.replace("##", "");
        Path input = input("real", poison);

        // Which documents hold the missing id, by the tokenizer alone.
        OnnxTokenClassifier reference = OnnxTokenClassifier.tiny();
        reference.open();
        Set<String> holding = new TreeSet<>();
        for (String line : Files.readAllLines(input)) {
            JsonNode doc = JSON.readTree(line);
            for (int id : reference.encoder().tokenizer().encode(doc.get("text").asText()).ids()) {
                if (id == vocabulary - 1) {
                    holding.add(doc.get("id").asText());
                }
            }
        }
        assertTrue(holding.containsAll(poisonedIds()), "the poison word holds the missing id");

        Run healthy = run("real-healthy-" + gpuWorkers, input, reference, gpuWorkers);
        Run faulty = run("real-faulty-" + gpuWorkers, input, shortTable, gpuWorkers);

        assertEquals(holding, faulty.deadLetterIds());
        for (JsonNode deadLetter : faulty.deadLetters()) {
            assertEquals("forward", deadLetter.get("stage").asText());
            assertEquals("ai.onnxruntime.OrtException", deadLetter.get("error").asText());
            assertTrue(
                    deadLetter.get("reason").asText().contains("out of data bounds"),
                    deadLetter.get("reason").asText());
        }
        assertEquals(without(healthy.outputs(), holding), faulty.outputs());
        System.out.printf(
                "FaultIsolationITCase, real Gather failure, %d inference subtasks: %d documents"
                        + " hold id %d, %d dead letters, %d extra forward passes; reason: %s%n",
                gpuWorkers,
                holding.size(),
                vocabulary - 1,
                faulty.deadLetters().size(),
                sum(faulty.job(), "tandemForwardBisectionAttempts"),
                faulty.deadLetters().get(0).get("reason").asText());
    }

    @Test
    void aDocumentThatDoesNotFitAloneIsADeadLetterAndTheOthersGoThroughSmallerBatches()
            throws Exception {
        Path input = shortInput("memory", FaultInjectingModel.MARKER);
        Run run =
                run(
                        "out-of-memory",
                        input,
                        new FaultInjectingModel(FaultInjectingModel.Fault.OUT_OF_MEMORY),
                        0);
        assertEquals(poisonedIds(), run.deadLetterIds());
        for (JsonNode deadLetter : run.deadLetters()) {
            assertTrue(
                    deadLetter
                            .get("reason")
                            .asText()
                            .startsWith(
                                    "the document does not fit in memory alone: Failed to"
                                            + " allocate memory"),
                    deadLetter.toString());
        }
        assertEquals(DOCS - POISONED.size(), run.outputs().size());
        double scale = 1;
        for (Metric gauge : REPORTER.findMetrics(run.job(), "tandemBatchCostScale").values()) {
            scale = Math.min(scale, ((Number) ((Gauge<?>) gauge).getValue()).doubleValue());
        }
        System.out.printf(
                "FaultIsolationITCase, out of memory: %d dead letters, batch size scale at the"
                        + " end %.3f, %d extra forward passes%n",
                run.deadLetters().size(), scale, sum(run.job(), "tandemForwardBisectionAttempts"));
        assertTrue(scale < 1, "batches of " + DOCS_PER_BATCH + " rows never fit: " + scale);
    }

    @Test
    void aModelThatFailsEveryBatchFailsTheJobInsteadOfDeadLetteringEverything() throws Exception {
        Path input = input("sticky", "");
        Exception failure =
                assertThrows(
                        Exception.class,
                        () ->
                                run(
                                        "sticky",
                                        input,
                                        new FaultInjectingModel(
                                                FaultInjectingModel.Fault.THROW_ALWAYS),
                                        0));
        var breaker =
                ExceptionUtils.findThrowable(
                        failure, CircuitBreaker.ModelStageFailingException.class);
        assertTrue(breaker.isPresent(), ExceptionUtils.stringifyException(failure));
        String message = breaker.get().getMessage();
        System.out.println("FaultIsolationITCase, circuit breaker: " + message);
        assertTrue(message.startsWith("Model 'ner' failed "), message);
        assertTrue(message.contains("injected sticky device error"), message);
        List<String> deadLetters =
                Files.readAllLines(dir.resolve("sticky.dead.jsonl"), StandardCharsets.UTF_8);
        assertTrue(deadLetters.size() < DOCS, deadLetters.size() + " dead letters");
    }

    @Test
    void aModelThatFailsItsStartUpCheckFailsTheJobBeforeAnyDocument() throws Exception {
        Path input = input("start-up", "");
        Exception failure =
                assertThrows(
                        Exception.class,
                        () ->
                                run(
                                        "start-up",
                                        input,
                                        new FaultInjectingModel(
                                                FaultInjectingModel.Fault.FAIL_START_UP_CHECK),
                                        1));
        String all = ExceptionUtils.stringifyException(failure);
        assertTrue(
                all.contains(
                        "Model 'ner' failed its start-up check (one document through preprocess,"
                                + " collate, forward and postprocess): injected: wrong output"
                                + " shape"),
                all);
        Path dead = dir.resolve("start-up.dead.jsonl");
        assertTrue(
                !Files.exists(dead) || Files.readAllLines(dead).isEmpty(),
                "no document became a dead letter");

        // A label count that does not match the model is refused before the job is built.
        IllegalArgumentException wrongLabels =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> OnnxTokenClassifier.builder().labels(List.of("O", "DRUG")).build());
        assertTrue(wrongLabels.getMessage().contains("2 labels"), wrongLabels.getMessage());
    }
}
