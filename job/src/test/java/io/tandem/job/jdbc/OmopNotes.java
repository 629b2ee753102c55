package io.tandem.job.jdbc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.sample.SampleCorpus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.Date;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/**
 * OMOP NOTE rows made of the bundled synthetic corpus, and the NOTE_NLP rows and JSON Lines
 * entities the tests compare, each as one comparable line per entity.
 */
final class OmopNotes {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final SampleCorpus CORPUS = new SampleCorpus(SampleCorpus.DEFAULT_SEED);

    private OmopNotes() {}

    /** Inserts notes {@code first..first+count-1}: note_id is the corpus index + 1. */
    static void insert(String url, long first, int count) throws SQLException {
        try (Connection db = PostgresExtension.connect(url)) {
            db.setAutoCommit(false);
            insert(db, first, count);
            db.commit();
        }
    }

    /** As {@link #insert(String, long, int)}, in the caller's transaction, not committed. */
    static void insert(Connection db, long first, int count) throws SQLException {
        try (PreparedStatement insert =
                db.prepareStatement(
                        "INSERT INTO note (note_id, person_id, note_date,"
                                + " note_datetime, note_type_concept_id,"
                                + " note_class_concept_id, note_title, note_text,"
                                + " encoding_concept_id, language_concept_id,"
                                + " visit_occurrence_id) VALUES (?, ?, ?, now(), 32831,"
                                + " 44814639, ?, ?, 32678, 4180186, ?)")) {
            for (long i = first; i < first + count; i++) {
                insert.setLong(1, i + 1);
                insert.setLong(2, 1000 + i % 97);
                insert.setDate(3, Date.valueOf(LocalDate.of(2024, 1, 1).plusDays(i % 365)));
                insert.setString(4, "note " + (i + 1));
                insert.setString(5, CORPUS.generate(i).text());
                insert.setLong(6, 5000 + i);
                insert.addBatch();
                if ((i - first) % 1000 == 999) {
                    insert.executeBatch();
                }
            }
            insert.executeBatch();
        }
    }

    /**
     * A pipeline file of the tokenizer and the bundled clinical terms, without a model: a run that
     * starts and goes faster, where the model is not what a test is about.
     */
    static Path termsOnlyPipeline(Path dir) throws IOException {
        return Files.writeString(
                dir.resolve("terms-only.yaml"),
                "components:\n  - type: tokenizer\n  - type: terms\n"
                        + "    lexicon: classpath:io/tandem/lexicon/clinical-terms.tsv\n");
    }

    static long count(String url, String table) throws SQLException {
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM " + table)) {
            rows.next();
            return rows.getLong(1);
        }
    }

    /** Every NOTE_NLP row as "note_id offset end-label term_exists lexical_variant", sorted. */
    static List<String> noteNlpEntities(String url, String table) throws SQLException {
        List<String> entities = new ArrayList<>();
        try (Connection db = PostgresExtension.connect(url);
                Statement statement = db.createStatement();
                ResultSet rows =
                        statement.executeQuery(
                                "SELECT note_id, \"offset\", term_modifiers, term_exists,"
                                        + " lexical_variant FROM "
                                        + table)) {
            while (rows.next()) {
                String modifiers = rows.getString(3);
                String label = modifiers.split(",")[0];
                entities.add(
                        entity(
                                rows.getLong(1),
                                rows.getString(2),
                                label,
                                rows.getString(4),
                                rows.getString(5)));
            }
        }
        entities.sort(null);
        return entities;
    }

    /** The entities of a JSON Lines output in the same shape as {@link #noteNlpEntities}. */
    static List<String> jsonLinesEntities(Path output) throws IOException {
        List<String> entities = new ArrayList<>();
        for (String line : Files.readAllLines(output)) {
            JsonNode doc = JSON.readTree(line);
            for (JsonNode entity : doc.get("entities")) {
                JsonNode negated = entity.get("attributes").get("negated");
                String text = entity.get("text").asText();
                entities.add(
                        entity(
                                doc.get("id").asLong(),
                                entity.get("start").asText(),
                                "label=" + entity.get("label").asText(),
                                negated != null && negated.asBoolean() ? "N" : "Y",
                                text.length() > 250 ? text.substring(0, 250) : text));
            }
        }
        entities.sort(null);
        return entities;
    }

    private static String entity(
            long noteId, String offset, String label, String exists, String lexicalVariant) {
        return noteId + " " + offset + " " + label + " " + exists + " " + lexicalVariant;
    }
}
