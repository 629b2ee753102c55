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
 * matches neither *Test nor *ITCase): the same notes from Parquet to JSON Lines and to NOTE_NLP
 * rows in Parquet, from NOTE to JSON Lines, and from NOTE to NOTE_NLP twice, idempotent writes and
 * Flink's XA sink, on the embedded PostgreSQL. The differences are the time in JDBC reading and in
 * JDBC writing. Every run checkpoints at the same interval ({@code -Dtandem.bench.checkpoint},
 * default 2s): a bounded job with checkpoints ends at the checkpoint after its last record, so a
 * long interval would add its own wait to the outputs that need one. Run it with {@code mvn -B -o
 * verify -pl job -am -Dtest=OmopJdbcBenchmark -Dsurefire.failIfNoSpecifiedTests=false -DskipITs}.
 */
class OmopJdbcBenchmark {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    private static final int NOTES = Integer.getInteger("tandem.bench.docs", 5_000);
    private static final int ROUNDS = Integer.getInteger("tandem.bench.rounds", 1);
    private static final String CHECKPOINT = System.getProperty("tandem.bench.checkpoint", "2s");

    @TempDir Path dir;

    @Test
    void printFigures() throws Exception {
        String url = POSTGRES.newOmopDatabase("bench");
        OmopNotes.insert(url, 0, NOTES);
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement()) {
            statement.execute("CREATE TABLE note_nlp_xa (LIKE note_nlp INCLUDING ALL)");
            statement.execute(
                    "CREATE TABLE note_nlp_dead_letter_xa"
                            + " (LIKE note_nlp_dead_letter INCLUDING ALL)");
        }
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
        System.out.printf(
                "notes: %d, %d rounds, checkpoint interval %s%n", NOTES, ROUNDS, CHECKPOINT);
        for (int round = 1; round <= ROUNDS; round++) {
            try (Connection db = PostgresExtension.connect(url);
                    Statement statement = db.createStatement()) {
                statement.execute("TRUNCATE note_nlp, note_nlp_xa");
            }
            double parquetToJsonLines =
                    seconds(
                            "--input",
                            parquet.toString(),
                            "--output",
                            dir.resolve("parquet-" + round + ".jsonl").toString());
            double parquetToNoteNlpParquet =
                    seconds(
                            "--input",
                            parquet.toString(),
                            "--output",
                            dir.resolve("note_nlp-" + round).toString(),
                            "--output-format",
                            "omop");
            double noteToJsonLines =
                    seconds(
                            "--input",
                            url,
                            "--jdbc-properties",
                            credentials.toString(),
                            "--output",
                            dir.resolve("note-" + round + ".jsonl").toString());
            double idempotent =
                    seconds(
                            "--input",
                            url,
                            "--jdbc-properties",
                            credentials.toString(),
                            "--output",
                            url);
            double xa =
                    seconds(
                            "--input",
                            url,
                            "--jdbc-properties",
                            credentials.toString(),
                            "--output",
                            url,
                            "--jdbc-commit",
                            "xa",
                            "-D",
                            JdbcOptions.OUTPUT_TABLE.key() + "=note_nlp_xa",
                            "-D",
                            JdbcOptions.DEAD_LETTER_TABLE.key() + "=note_nlp_dead_letter_xa");
            System.out.printf(
                    "round %d notes/s: Parquet -> JSON Lines %.0f | Parquet -> NOTE_NLP Parquet"
                            + " %.0f | NOTE -> JSON Lines %.0f | NOTE -> NOTE_NLP idempotent %.0f"
                            + " | NOTE -> NOTE_NLP XA %.0f (XA x%.2f of idempotent); NOTE_NLP rows"
                            + " %d idempotent, %d XA%n",
                    round,
                    NOTES / parquetToJsonLines,
                    NOTES / parquetToNoteNlpParquet,
                    NOTES / noteToJsonLines,
                    NOTES / idempotent,
                    NOTES / xa,
                    idempotent / xa,
                    OmopNotes.count(url, "note_nlp"),
                    OmopNotes.count(url, "note_nlp_xa"));
            System.out.printf(
                    "round %d wall s: %.1f | %.1f | %.1f | %.1f | %.1f; JDBC reading (NOTE ->"
                            + " JSON Lines minus Parquet -> JSON Lines) %.0f%% of NOTE -> JSON"
                            + " Lines; JDBC writing (NOTE -> NOTE_NLP minus NOTE -> JSON Lines)"
                            + " %.0f%% idempotent, %.0f%% XA%n",
                    round,
                    parquetToJsonLines,
                    parquetToNoteNlpParquet,
                    noteToJsonLines,
                    idempotent,
                    xa,
                    100 * (noteToJsonLines - parquetToJsonLines) / noteToJsonLines,
                    100 * (idempotent - noteToJsonLines) / idempotent,
                    100 * (xa - noteToJsonLines) / xa);
        }
    }

    /** The wall time of one {@code tandem run}. */
    private double seconds(String... args) {
        List<String> all = new ArrayList<>(List.of("run"));
        all.addAll(List.of(args));
        all.addAll(
                List.of(
                        "--cpu-workers",
                        "2",
                        "--no-progress",
                        "--checkpoint-interval",
                        CHECKPOINT));
        long start = System.nanoTime();
        assertEquals(0, TandemCli.execute(all.toArray(String[]::new)));
        double seconds = (System.nanoTime() - start) / 1e9;
        // Each run as it ends: a round stopped midway still shows the runs it made.
        System.out.printf("  %.1f s: %s%n", seconds, String.join(" ", args));
        return seconds;
    }
}
