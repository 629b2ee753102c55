package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.job.ParquetNotes;
import io.tandem.job.cli.TandemCli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Figures for BENCHMARKS.md, side by side in one run (not part of the build's tests: its name
 * matches neither *Test nor *ITCase): the same notes from Parquet to JSON Lines, from NOTE to JSON
 * Lines, and from NOTE to NOTE_NLP, on the embedded PostgreSQL. The differences are the time in
 * JDBC reading and in JDBC writing. Run it with {@code mvn -B -o verify -pl job -am
 * -Dtest=OmopJdbcBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 */
class OmopJdbcBenchmark {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    private static final int NOTES = Integer.getInteger("tandem.bench.docs", 5_000);
    private static final int ROUNDS = Integer.getInteger("tandem.bench.rounds", 1);

    @TempDir Path dir;

    @Test
    void printFigures() throws Exception {
        String url = POSTGRES.newOmopDatabase("bench");
        OmopNotes.insert(url, 0, NOTES);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < NOTES; i++) {
            // The same id and text as NOTE's row.
            lines.add(
                    "{\"id\":\""
                            + (i + 1)
                            + "\",\"text\":"
                            + new com.fasterxml.jackson.databind.ObjectMapper()
                                    .writeValueAsString(OmopNotes.CORPUS.generate(i).text())
                            + "}");
        }
        Path parquet = dir.resolve("notes.parquet");
        ParquetNotes.write(parquet, CompressionCodecName.SNAPPY, lines);
        Path credentials = dir.resolve("jdbc.properties");
        Files.writeString(credentials, "user=postgres\n");
        System.out.printf("notes: %d, %d rounds%n", NOTES, ROUNDS);
        for (int round = 1; round <= ROUNDS; round++) {
            try (Connection db = PostgresExtension.connect(url);
                    Statement statement = db.createStatement()) {
                statement.execute("TRUNCATE note_nlp");
            }
            double fromParquet =
                    notesPerSecond(
                            "run",
                            "--input",
                            parquet.toString(),
                            "--output",
                            dir.resolve("parquet.jsonl").toString());
            double fromNote =
                    notesPerSecond(
                            "run",
                            "--input",
                            url,
                            "--jdbc-properties",
                            credentials.toString(),
                            "--output",
                            dir.resolve("note.jsonl").toString());
            double toNoteNlp =
                    notesPerSecond(
                            "run",
                            "--input",
                            url,
                            "--jdbc-properties",
                            credentials.toString(),
                            "--output",
                            url);
            double parquetSeconds = NOTES / fromParquet;
            double noteSeconds = NOTES / fromNote;
            double noteNlpSeconds = NOTES / toNoteNlp;
            System.out.printf(
                    "round %d notes/s: Parquet -> JSON Lines %.0f | NOTE -> JSON Lines %.0f"
                            + " (x%.2f) | NOTE -> NOTE_NLP %.0f (x%.2f of Parquet); NOTE_NLP"
                            + " rows %d%n",
                    round,
                    fromParquet,
                    fromNote,
                    fromNote / fromParquet,
                    toNoteNlp,
                    toNoteNlp / fromParquet,
                    OmopNotes.count(url, "note_nlp"));
            System.out.printf(
                    "round %d share of the NOTE -> NOTE_NLP run: JDBC reading %.0f%%, JDBC"
                            + " writing %.0f%% (wall times %.1f s, %.1f s, %.1f s)%n",
                    round,
                    100 * (noteSeconds - parquetSeconds) / noteNlpSeconds,
                    100 * (noteNlpSeconds - noteSeconds) / noteNlpSeconds,
                    parquetSeconds,
                    noteSeconds,
                    noteNlpSeconds);
        }
    }

    private double notesPerSecond(String... args) {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--cpu-workers", "2", "--no-progress"));
        long start = System.nanoTime();
        assertEquals(0, TandemCli.execute(all.toArray(String[]::new)));
        return NOTES / ((System.nanoTime() - start) / 1e9);
    }
}
