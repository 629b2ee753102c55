package io.tandem.job.sink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.job.TandemJob;
import io.tandem.omop.NoteNlpRows;
import io.tandem.pipeline.Pipeline;
import io.tandem.pipeline.components.TermMatcher;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.FileInputSource;
import io.tandem.source.RawRecord;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.state.CheckpointListener;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.parquet.example.data.Group;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OMOP outputs after a failure: the job fails once, after two checkpoints completed and while
 * notes are still flowing, restarts from the last checkpoint, and every NOTE_NLP row is written
 * exactly once, as in a run without failure: by the ordered JSON Lines sink and by the Parquet
 * {@code FileSink}.
 */
class NoteNlpExactlyOnceITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NOTES = 2000;
    // One mapper for every run, so that the rows' nlp_datetime is the same in all of them.
    private static final NoteNlpRows ROWS =
            new NoteNlpRows("test", "terms", Instant.now(), new DeadLetters(1000));
    static final AtomicInteger CHECKPOINTS = new AtomicInteger();
    static final AtomicBoolean FAIL = new AtomicBoolean();

    /**
     * Counts checkpoints and fails once after the second. Until then it holds each note back a few
     * milliseconds, so that the notes cannot run out first on however loaded a machine; barriers
     * pass between notes, so the checkpoints still complete.
     */
    static final class FailOnceAfterTwoCheckpoints
            implements MapFunction<RawRecord, RawRecord>, CheckpointListener {
        @Override
        public RawRecord map(RawRecord value) throws Exception {
            if (CHECKPOINTS.get() < 2) {
                Thread.sleep(5);
            } else if (FAIL.compareAndSet(true, false)) {
                throw new IllegalStateException("injected failure");
            }
            return value;
        }

        @Override
        public void notifyCheckpointComplete(long checkpointId) {
            CHECKPOINTS.incrementAndGet();
        }
    }

    @TempDir Path dir;

    /** A job of rule-based components (the failure comes from the test, not from a model). */
    private static TandemJob job() {
        Pipeline pipeline =
                Pipeline.builder()
                        .tokenizer()
                        .sentences()
                        .normalizer()
                        .terms(
                                TermMatcher.readLexicon(
                                        "classpath:io/tandem/lexicon/clinical-terms.tsv",
                                        Set.of(),
                                        Set.of()))
                        .negation("en", "fr")
                        .build();
        return new TandemJob(new Configuration(), pipeline, 2);
    }

    private static DataStream<Result> results(
            StreamExecutionEnvironment env, Path notes, TandemJob job) {
        DataStream<RawRecord> input =
                env.fromSource(FileInputSource.of(notes), WatermarkStrategy.noWatermarks(), "input")
                        .setParallelism(1)
                        .map(new FailOnceAfterTwoCheckpoints())
                        .setParallelism(1);
        return job.annotate(input);
    }

    private static StreamExecutionEnvironment environment() {
        Configuration cluster = new Configuration();
        cluster.set(PipelineOptions.GENERIC_TYPES, false);
        cluster.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, Duration.ofMillis(100));
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        cluster.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        cluster.set(
                RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofMillis(100));
        return StreamExecutionEnvironment.getExecutionEnvironment(cluster);
    }

    private Path notes() throws Exception {
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < NOTES; i++) {
            ObjectNode line = (ObjectNode) JSON.readTree(corpus.generate(i).toJsonLine());
            line.put("id", i + 1);
            lines.add(line.toString());
        }
        Path notes = dir.resolve("notes.jsonl");
        Files.write(notes, lines);
        return notes;
    }

    private List<String> jsonLinesRun(Path notes, String name, boolean fail) throws Exception {
        CHECKPOINTS.set(0);
        FAIL.set(fail);
        StreamExecutionEnvironment env = environment();
        Path out = dir.resolve(name + ".jsonl");
        results(env, notes, job())
                .sinkTo(
                        new JsonLinesFileSink(
                                out,
                                dir.resolve(name + ".dead.jsonl"),
                                true,
                                null,
                                new NoteNlpLines(ROWS)))
                .setParallelism(1);
        env.execute(name);
        assertEquals(false, FAIL.get(), "the failure was injected, if asked for");
        return Files.readAllLines(out);
    }

    private List<String> parquetRun(Path notes, String name, boolean fail) throws Exception {
        CHECKPOINTS.set(0);
        FAIL.set(fail);
        StreamExecutionEnvironment env = environment();
        Path out = Files.createDirectories(dir.resolve(name));
        TandemJob job = job();
        job.attach(
                results(env, notes, job),
                ParquetNoteNlp.sink(out, ROWS),
                JsonLinesFileSink.deadLettersOnly(
                        dir.resolve(name + ".dead.jsonl"), null, new NoteNlpLines(ROWS)),
                ROWS::checkNoteId);
        env.execute(name);
        assertEquals(false, FAIL.get(), "the failure was injected, if asked for");
        return readParquet(out);
    }

    @Test
    void everyRowExactlyOnceAfterAFailureInJsonLinesAndInParquet() throws Exception {
        Path notes = notes();
        List<String> reference = jsonLinesRun(notes, "reference", false);
        assertTrue(reference.size() > NOTES, "rows: " + reference.size());

        List<String> recovered = jsonLinesRun(notes, "recovered", true);
        assertEquals(reference.size(), recovered.size());
        assertEquals(reference, recovered);

        List<String> parquet = parquetRun(notes, "parquet", true);
        assertEquals(reference.size(), parquet.size());
        assertEquals(
                reference.stream().map(NoteNlpExactlyOnceITCase::key).sorted().toList(),
                parquet.stream().sorted().toList());
    }

    /** The columns both outputs share, as comparable text. */
    private static String key(String jsonRow) {
        try {
            var row = JSON.readTree(jsonRow);
            return row.get("note_nlp_id").asText()
                    + "|"
                    + row.get("note_id").asText()
                    + "|"
                    + row.get("offset").asText()
                    + "|"
                    + row.get("lexical_variant").asText()
                    + "|"
                    + row.get("term_modifiers").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<String> readParquet(Path folder) throws Exception {
        List<String> rows = new ArrayList<>();
        for (Group row : ParquetParts.records(folder)) {
            rows.add(
                    row.getLong("note_nlp_id", 0)
                            + "|"
                            + row.getLong("note_id", 0)
                            + "|"
                            + row.getString("offset", 0)
                            + "|"
                            + row.getString("lexical_variant", 0)
                            + "|"
                            + row.getString("term_modifiers", 0));
        }
        return rows;
    }
}
