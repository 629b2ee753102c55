package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.job.cli.TandemCli;
import io.tandem.omop.NoteNlpRows;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.util.Collector;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * OMOP CDM NOTE in and NOTE_NLP out on a real PostgreSQL server, the tables made from the v5.4
 * DDL's own text: the rows against a JSON Lines run of the same notes, bad notes, the start-up
 * checks, credentials kept out of the log, the dead letters' transaction, and a run SIGKILLed and
 * started again.
 */
class OmopJdbcITCase {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NOTES = 10_000;

    /** The notes of the run that is killed and started again. */
    private static final int KILLED_NOTES = 500;

    /** One database of {@value #NOTES} notes, and the entities of their JSON Lines run. */
    private static String notes;

    private static List<String> jsonLinesEntities;
    private static Path jsonLines;

    @TempDir Path dir;

    @BeforeAll
    static void loadNotesAndRunThemToJsonLines(@TempDir Path shared) throws Exception {
        notes = POSTGRES.newOmopDatabase("notes");
        OmopNotes.insert(notes, 0, NOTES);
        Path credentials = shared.resolve("jdbc.properties");
        Files.writeString(credentials, "user=postgres\n");
        jsonLines = shared.resolve("notes.jsonl");
        assertEquals(0, TandemCli.execute(run(notes, credentials, jsonLines.toString())));
        jsonLinesEntities = OmopNotes.jsonLinesEntities(jsonLines);
        assertEquals(0, Files.size(shared.resolve("notes.dead-letter.jsonl")));
    }

    /** The credentials file every run names: the embedded server's superuser. */
    private Path credentials(String password) throws Exception {
        Path file = dir.resolve("jdbc-" + UUID.randomUUID() + ".properties");
        Files.writeString(file, "user=postgres\npassword=" + password + "\n");
        return file;
    }

    static String[] run(String url, Path credentials, String output, String... more) {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "run",
                                "--input",
                                url,
                                "--jdbc-properties",
                                credentials.toString(),
                                "--output",
                                output,
                                "--cpu-workers",
                                "2",
                                "--no-progress"));
        args.addAll(List.of(more));
        return args.toArray(String[]::new);
    }

    @Test
    void noteNlpHoldsEveryEntityOfTheJsonLinesRunOfTheSameNotes() throws Exception {
        assertEquals(0, TandemCli.execute(run(notes, credentials("unused"), notes)));

        List<String> rows = OmopNotes.noteNlpEntities(notes, "note_nlp");
        System.out.printf(
                "NOTE_NLP rows: %d, JSON Lines entities of the same %d notes: %d%n",
                rows.size(), NOTES, jsonLinesEntities.size());
        assertTrue(jsonLinesEntities.size() > NOTES, "entities: " + jsonLinesEntities.size());
        assertEquals(jsonLinesEntities, rows);
        assertEquals(0, OmopNotes.count(notes, "note_nlp_dead_letter"));

        // Every other column of NOTE rides in meta.
        JsonNode first =
                Files.readAllLines(jsonLines).stream()
                        .map(OmopJdbcITCase::json)
                        .filter(doc -> doc.get("id").asLong() == 1)
                        .findFirst()
                        .orElseThrow();
        assertEquals(1000, first.get("meta").get("person_id").asLong());
        assertEquals("2024-01-01", first.get("meta").get("note_date").asText());
        assertEquals("note 1", first.get("meta").get("note_title").asText());
        assertEquals(5000, first.get("meta").get("visit_occurrence_id").asLong());
        assertEquals(32831, first.get("meta").get("note_type_concept_id").asLong());
    }

    private static JsonNode json(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aNullOrOversizedNoteTextIsADeadLetterNamingItsNoteId() throws Exception {
        String url = POSTGRES.newOmopDatabase("bad_notes");
        OmopNotes.insert(url, 0, 20);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            // A warehouse that does not enforce the DDL's NOT NULL.
            statement.execute("ALTER TABLE note ALTER COLUMN note_text DROP NOT NULL");
            statement.execute("UPDATE note SET note_text = NULL WHERE note_id = 7");
            statement.execute("UPDATE note SET note_text = repeat('x', 30000) WHERE note_id = 11");
        }

        assertEquals(
                0,
                TandemCli.execute(
                        run(url, credentials("unused"), url, "--max-text-chars", "20000")));

        Map<Long, String> deadLetters = new TreeMap<>();
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT note_id, stage, reason, raw_bytes, source"
                                        + " FROM note_nlp_dead_letter")) {
            while (rows.next()) {
                deadLetters.put(rows.getLong(1), rows.getString(2) + ": " + rows.getString(3));
                assertTrue(rows.getInt(4) > 0);
                assertTrue(rows.getString(5).contains("\"origin\":\"note\""), rows.getString(5));
            }
        }
        assertEquals(List.of(7L, 11L), List.copyOf(deadLetters.keySet()), "" + deadLetters);
        assertTrue(deadLetters.get(7L).contains("'text'"), deadLetters.get(7L));
        assertTrue(deadLetters.get(11L).contains("30000 characters"), deadLetters.get(11L));
        List<Long> notesWithEntities =
                OmopNotes.noteNlpEntities(url, "note_nlp").stream()
                        .map(e -> Long.parseLong(e.substring(0, e.indexOf(' '))))
                        .distinct()
                        .toList();
        assertFalse(notesWithEntities.contains(7L));
        assertFalse(notesWithEntities.contains(11L));
        assertEquals(18, notesWithEntities.size(), "" + notesWithEntities);
    }

    @Test
    void entitiesAndDeadLettersOfABatchCommitTogetherOrNotAtAll() throws Exception {
        String url = POSTGRES.newOmopDatabase("transaction");
        JdbcNoteNlpOutput output =
                new JdbcNoteNlpOutput(
                        JdbcConnection.of(url, credentials("unused").toString(), Map.of()),
                        "note_nlp",
                        "note_nlp_dead_letter",
                        1000);
        NoteNlpRows rows =
                new NoteNlpRows("test", "transaction", Instant.EPOCH, new DeadLetters(1000));
        Doc doc = new Doc("42", "no fever, cough", 42, SourcePosition.fileRow("note", 42), null);
        doc.entities().add(new Span(3, 8, "SYMPTOM", "terms"));
        doc.entities().add(new Span(10, 15, "SYMPTOM", "terms"));
        List<NoteNlpWrite> batch = new ArrayList<>();
        Collector<NoteNlpWrite> collector = new ListCollector<>(batch);
        NoteNlpWrite.of(rows).flatMap(Result.output(doc), collector);
        NoteNlpWrite.of(rows)
                .flatMap(
                        Result.deadLetter(
                                new DeadLetters(1000)
                                        .of(
                                                doc,
                                                Stage.values()[0],
                                                new IllegalStateException("broken"))),
                        collector);
        assertEquals(3, batch.size(), "two entities and a dead letter: " + batch);
        try (Connection db = PostgresExtension.connect(url);
                Statement ddl = db.createStatement()) {
            ddl.execute(
                    "CREATE FUNCTION refuse() RETURNS trigger AS $$ BEGIN RAISE EXCEPTION"
                            + " 'dead letters refused'; END $$ LANGUAGE plpgsql");
            ddl.execute(
                    "CREATE TRIGGER refuse BEFORE INSERT ON note_nlp_dead_letter FOR EACH ROW"
                            + " EXECUTE FUNCTION refuse()");
            // As Flink's JDBC sink writes a batch: one statement, auto-commit on.
            assertThrows(BatchUpdateException.class, () -> write(db, output, batch));
            assertEquals(0, OmopNotes.count(url, "note_nlp"), "entities of the failed batch");

            ddl.execute("DROP TRIGGER refuse ON note_nlp_dead_letter");
            write(db, output, batch);
            write(db, output, batch);
        }
        assertEquals(2, OmopNotes.count(url, "note_nlp"));
        assertEquals(1, OmopNotes.count(url, "note_nlp_dead_letter"));
    }

    private static void write(Connection db, JdbcNoteNlpOutput output, List<NoteNlpWrite> batch)
            throws Exception {
        try (PreparedStatement statement = db.prepareStatement(output.sql())) {
            for (NoteNlpWrite row : batch) {
                JdbcNoteNlpOutput.STATEMENT.accept(statement, row);
                statement.addBatch();
            }
            statement.executeBatch();
        }
    }

    @Test
    void aNoteNlpTableWithoutItsPrimaryKeyIsRefusedAtStartUp() throws Exception {
        String url = POSTGRES.newOmopDatabase("no_key");
        OmopNotes.insert(url, 0, 10);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("ALTER TABLE note_nlp DROP CONSTRAINT xpk_note_nlp");
        }
        Separate run = Separate.tandem(dir, run(url, credentials("unused"), url));
        assertEquals(TandemCli.EXIT_USAGE, run.exitCode(), run.text());
        assertEquals(
                List.of(
                        "tandem: Table 'note_nlp' has no primary key or unique index on"
                                + " note_nlp_id alone; expected the OMOP DDL's primary key"
                                + " xpk_note_nlp: rerun rows are skipped by ON CONFLICT"
                                + " (note_nlp_id)"),
                // The one error line; the pipeline's loading may log before it.
                run.lines().stream().filter(line -> line.startsWith("tandem:")).toList());
    }

    @Test
    void thePasswordNeverShowsInTheLog() throws Exception {
        String url = POSTGRES.newOmopDatabase("secret");
        OmopNotes.insert(url, 0, 20);
        String password = "pw-" + UUID.randomUUID();
        // The log is the point here, not the entities: a pipeline without a model starts faster.
        Path termsOnly = OmopNotes.termsOnlyPipeline(dir);
        Separate run =
                Separate.tandem(
                        dir,
                        run(
                                url,
                                credentials(password),
                                url,
                                "--verbose",
                                "--pipeline",
                                termsOnly.toString()));
        assertEquals(0, run.exitCode(), run.text());
        assertTrue(run.text().contains("credentials from file"), run.text());
        assertFalse(run.text().contains(password), run.text());

        Separate refused =
                Separate.tandem(
                        dir, run(url + "?password=" + password, credentials("unused"), url));
        assertEquals(TandemCli.EXIT_USAGE, refused.exitCode(), refused.text());
        assertEquals(1, refused.lines().size(), refused.text());
        assertFalse(refused.text().contains(password), refused.text());
    }

    @Test
    void aRunKilledMidwayAndStartedAgainLeavesEveryEntityOnce() throws Exception {
        // The first KILLED_NOTES notes of NOTE, in a table of their own: a short run, killed once
        // some of its rows are committed and before all of them are.
        try (Connection db = PostgresExtension.connect(notes);
                Statement statement = db.createStatement()) {
            statement.execute("CREATE TABLE note_killed (LIKE note INCLUDING ALL)");
            statement.execute(
                    "INSERT INTO note_killed SELECT * FROM note WHERE note_id < " + KILLED_NOTES);
            statement.execute("CREATE TABLE note_nlp_killed (LIKE note_nlp INCLUDING ALL)");
        }
        List<String> expected =
                jsonLinesEntities.stream()
                        .filter(e -> Long.parseLong(e.substring(0, e.indexOf(' '))) < KILLED_NOTES)
                        .toList();
        assertTrue(expected.size() > KILLED_NOTES, "entities: " + expected.size());
        String[] command =
                run(
                        notes,
                        credentials("unused"),
                        notes,
                        "--input-table",
                        "note_killed",
                        "-D",
                        JdbcOptions.OUTPUT_TABLE.key() + "=note_nlp_killed",
                        // Small batches: rows are committed as the run goes.
                        "-D",
                        JdbcOptions.WRITE_BATCH_SIZE.key() + "=50");
        long atKill = killOnceRowsCommitted(dir, command, notes, "note_nlp_killed");
        long afterKill = OmopNotes.count(notes, "note_nlp_killed");
        System.out.printf(
                "killed with %d of %d NOTE_NLP rows written (%d when the kill was sent)%n",
                afterKill, expected.size(), atKill);
        assertTrue(
                afterKill > 0 && afterKill < expected.size(),
                "killed mid-run: " + afterKill + " of " + expected.size());

        // The same command again, in this JVM (only the killed run needs one of its own).
        assertEquals(0, TandemCli.execute(command));
        List<String> rows = OmopNotes.noteNlpEntities(notes, "note_nlp_killed");
        System.out.printf(
                "after the restart: %d NOTE_NLP rows, %d JSON Lines entities%n",
                rows.size(), expected.size());
        assertEquals(expected, rows);
    }

    /**
     * Starts {@code command} in a JVM of its own and SIGKILLs it once {@code table} holds a
     * committed row; returns the rows committed when the kill was sent.
     */
    static long killOnceRowsCommitted(Path dir, String[] command, String url, String table)
            throws Exception {
        Process first = Separate.start(dir, command).process();
        long atKill;
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            do {
                assertTrue(first.isAlive(), "the first run ended before it committed a row");
                assertTrue(System.nanoTime() < deadline, "no " + table + " row in 3 minutes");
                Thread.sleep(10);
                atKill = OmopNotes.count(url, table);
            } while (atKill == 0);
        } finally {
            first.destroyForcibly(); // SIGKILL
            first.waitFor(1, TimeUnit.MINUTES);
        }
        return atKill;
    }
}
