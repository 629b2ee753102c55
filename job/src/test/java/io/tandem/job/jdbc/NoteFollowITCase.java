package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.job.cli.TandemCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.StateRecoveryOptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --follow} on a real PostgreSQL server: notes inserted while the job runs, in several
 * transactions and one committed after a higher note_id, reach NOTE_NLP entity by entity as the
 * JSON Lines run of the same notes has them; and a follow job killed after a checkpoint and started
 * again from it reads the notes inserted meanwhile, and only those.
 */
class NoteFollowITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();

    /** Notes 1 to {@value} (note_id), and the entities of their JSON Lines run. */
    private static final int NOTES = 400;

    private static List<String> jsonLinesEntities;
    private static Path credentials;

    /** Follow mode is about reading NOTE: the tokenizer and terms find the entities, no model. */
    private static Path pipeline;

    @TempDir Path dir;

    @BeforeAll
    static void runTheNotesToJsonLines(@TempDir Path shared) throws Exception {
        String reference = POSTGRES.newOmopDatabase("follow_reference");
        OmopNotes.insert(reference, 0, NOTES);
        credentials = Files.writeString(shared.resolve("jdbc.properties"), "user=postgres\n");
        pipeline = OmopNotes.termsOnlyPipeline(shared);
        Path jsonLines = shared.resolve("notes.jsonl");
        assertEquals(
                0,
                TandemCli.execute(
                        OmopJdbcITCase.run(
                                reference,
                                credentials,
                                jsonLines.toString(),
                                "--pipeline",
                                pipeline.toString())));
        jsonLinesEntities = OmopNotes.jsonLinesEntities(jsonLines);
        assertTrue(jsonLinesEntities.size() > NOTES, "entities: " + jsonLinesEntities.size());
    }

    /** The JSON Lines run's entities of notes {@code first..last} (note_id, inclusive). */
    private static List<String> entitiesOfNotes(long first, long last) {
        return jsonLinesEntities.stream()
                .filter(
                        entity -> {
                            long noteId = Long.parseLong(entity.substring(0, entity.indexOf(' ')));
                            return noteId >= first && noteId <= last;
                        })
                .toList();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> both = new ArrayList<>(a);
        both.addAll(b);
        both.sort(null);
        return both;
    }

    /** A follow job from NOTE to NOTE_NLP of {@code url}, polling every 200 ms. */
    private Separate follow(String url, String... more) throws Exception {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--follow",
                                "--follow-interval",
                                "200ms",
                                "--checkpoint-interval",
                                "1s",
                                "--pipeline",
                                pipeline.toString()));
        args.addAll(List.of(more));
        return Separate.start(
                dir, OmopJdbcITCase.run(url, credentials, url, args.toArray(String[]::new)));
    }

    /** Waits until NOTE_NLP holds {@code expected}, while the job runs, for 3 minutes at most. */
    private static void awaitNoteNlp(String url, List<String> expected, Separate job)
            throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        List<String> rows;
        do {
            assertTrue(job.process().isAlive(), "the follow job ended:\n" + job.text());
            Thread.sleep(200);
            rows = OmopNotes.noteNlpEntities(url, "note_nlp");
            if (rows.size() > expected.size()) {
                break; // more than expected: the assertion below says which
            }
        } while (!rows.equals(expected) && System.nanoTime() < deadline);
        assertEquals(expected, rows);
    }

    private static void stop(Separate job) throws Exception {
        job.process().destroyForcibly(); // SIGKILL: a follow job runs until cancelled
        assertTrue(job.process().waitFor(1, TimeUnit.MINUTES));
    }

    @Test
    void notesInsertedWhileTheJobRunsReachNoteNlpEveryEntityOnce() throws Exception {
        String url = POSTGRES.newOmopDatabase("follow");
        OmopNotes.insert(url, 0, 100);
        Separate job = follow(url);
        try {
            awaitNoteNlp(url, entitiesOfNotes(1, 100), job);

            // Several transactions while the job runs.
            OmopNotes.insert(url, 100, 50);
            OmopNotes.insert(url, 150, 30);
            OmopNotes.insert(url, 180, 20);
            awaitNoteNlp(url, entitiesOfNotes(1, 200), job);

            // Note 201's transaction takes its id first and commits after 202 to 300's: the polls
            // go past it, and read it once it commits.
            try (Connection late = PostgresExtension.connect(url)) {
                late.setAutoCommit(false);
                OmopNotes.insert(late, 200, 1);
                OmopNotes.insert(url, 201, 99);
                awaitNoteNlp(url, concat(entitiesOfNotes(1, 200), entitiesOfNotes(202, 300)), job);
                late.commit();
            }
            awaitNoteNlp(url, entitiesOfNotes(1, 300), job);

            OmopNotes.insert(url, 300, 60);
            OmopNotes.insert(url, 360, 40);
            awaitNoteNlp(url, entitiesOfNotes(1, NOTES), job);
        } finally {
            stop(job);
        }
        System.out.printf(
                "followed %d notes inserted in 7 transactions: %d NOTE_NLP rows, %d JSON Lines"
                        + " entities%n",
                NOTES, OmopNotes.count(url, "note_nlp"), jsonLinesEntities.size());
        assertEquals(0, OmopNotes.count(url, "note_nlp_dead_letter"));
    }

    @Test
    void aFollowJobStartedAgainFromItsCheckpointReadsOnlyTheNotesInsertedSince() throws Exception {
        String url = POSTGRES.newOmopDatabase("follow_restart");
        Path checkpoints = Files.createDirectory(dir.resolve("checkpoints"));
        String[] retained = {
            "-D",
            CheckpointingOptions.CHECKPOINTS_DIRECTORY.key() + "=" + checkpoints.toUri(),
            "-D",
            CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION.key()
                    + "="
                    + ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION
        };
        OmopNotes.insert(url, 0, 150);
        Separate first = follow(url, retained);
        Path checkpoint;
        try {
            OmopNotes.insert(url, 150, 150);
            awaitNoteNlp(url, entitiesOfNotes(1, 300), first);
            // A checkpoint completed after every row of notes 1 to 300 was committed.
            int committedBy = latestCheckpoint(checkpoints).orElse(0);
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
            while (latestCheckpoint(checkpoints).orElse(0) <= committedBy) {
                assertTrue(System.nanoTime() < deadline, "no checkpoint in a minute");
                Thread.sleep(100);
            }
        } finally {
            stop(first);
        }
        checkpoint = checkpointPath(checkpoints, latestCheckpoint(checkpoints).getAsInt());

        // While the job is down: notes 301 to 400 come, and NOTE_NLP is emptied, so that what
        // the restarted job writes shows what it read.
        OmopNotes.insert(url, 300, 100);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("TRUNCATE note_nlp");
        }

        Separate second =
                follow(
                        url,
                        concat(
                                retained,
                                "-D",
                                StateRecoveryOptions.SAVEPOINT_PATH.key() + "=" + checkpoint));
        try {
            List<String> expected = entitiesOfNotes(301, NOTES);
            awaitNoteNlp(url, expected, second);
            // A few more polls and checkpoints: nothing else comes.
            Thread.sleep(3_000);
            assertEquals(expected, OmopNotes.noteNlpEntities(url, "note_nlp"));
            System.out.printf(
                    "killed after checkpoint %s with notes 1 to 300 committed; started again from"
                            + " it after notes 301 to 400 came: %d NOTE_NLP rows, the JSON Lines"
                            + " run's %d entities of notes 301 to 400%n",
                    checkpoint.getFileName(), OmopNotes.count(url, "note_nlp"), expected.size());
        } finally {
            stop(second);
        }
        assertEquals(0, OmopNotes.count(url, "note_nlp_dead_letter"));
    }

    private static String[] concat(String[] a, String... b) {
        return Stream.concat(Stream.of(a), Stream.of(b)).toArray(String[]::new);
    }

    /**
     * The highest completed checkpoint (chk-N with its _metadata) of the job's folder. Listed one
     * folder at a time, not walked: the running job deletes each checkpoint a newer one subsumed,
     * and a walk fails on a folder deleted between listing it and entering it.
     */
    private static OptionalInt latestCheckpoint(Path checkpoints) throws IOException {
        List<Path> jobs;
        try (Stream<Path> folders = Files.list(checkpoints)) {
            jobs = folders.filter(Files::isDirectory).toList();
        }
        OptionalInt latest = OptionalInt.empty();
        for (Path job : jobs) {
            try (Stream<Path> entries = Files.list(job)) {
                OptionalInt inJob =
                        entries.filter(chk -> chk.getFileName().toString().startsWith("chk-"))
                                .filter(chk -> Files.exists(chk.resolve("_metadata")))
                                .mapToInt(
                                        chk ->
                                                Integer.parseInt(
                                                        chk.getFileName().toString().substring(4)))
                                .max();
                if (inJob.isPresent()
                        && (latest.isEmpty() || inJob.getAsInt() > latest.getAsInt())) {
                    latest = inJob;
                }
            }
        }
        return latest;
    }

    private static Path checkpointPath(Path checkpoints, int number) throws IOException {
        try (Stream<Path> files = Files.walk(checkpoints, 2)) {
            return files.filter(folder -> folder.getFileName().toString().equals("chk-" + number))
                    .findFirst()
                    .orElseThrow();
        }
    }
}
