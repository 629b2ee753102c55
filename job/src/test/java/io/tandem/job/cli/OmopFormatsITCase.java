package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.job.NoteNlpOutput;
import io.tandem.job.TandemVersion;
import io.tandem.job.sink.ParquetParts;
import io.tandem.omop.NoteNlpRows;
import io.tandem.parquet.HadoopFreeCodecs;
import io.tandem.sample.SampleCorpus;
import io.tandem.sample.SampleDoc;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.parquet.conf.PlainParquetConfiguration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The OMOP formats through the command line: {@code --output-format omop} as JSON Lines and as
 * Parquet, checked entity by entity against the JSON Lines run of the same notes; {@code
 * --input-format omop} from a Parquet NOTE export and from an edsnlp OMOP dictionary file.
 */
class OmopFormatsITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final SampleCorpus CORPUS = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
    private static final int NOTES = 300;
    private static final long FIRST_NOTE_ID = 1_000;

    @TempDir Path dir;

    @Test
    void omopOutputHoldsOneRowPerEntityOfTheJsonLinesRunAsJsonLinesAndAsParquet() throws Exception {
        Path input = dir.resolve("notes.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < NOTES; i++) {
            lines.add(tandemLine(FIRST_NOTE_ID + i, CORPUS.generate(i)));
        }
        lines.add("{\"id\": \"note-x\", \"text\": \"Fever and cough.\"}");
        lines.add("{\"id\": 5, \"text\": ");
        Files.write(input, lines);

        Path jsonl = dir.resolve("out.jsonl");
        assertEquals(0, FileFormatsITCase.run(input, jsonl, "jsonl"));
        LocalDateTime started = LocalDateTime.now(ZoneOffset.UTC);
        Path omopJsonl = dir.resolve("rows.jsonl");
        assertEquals(0, FileFormatsITCase.run(input, omopJsonl, "omop"));
        Path omopParquet = dir.resolve("rows-parquet");
        assertEquals(0, FileFormatsITCase.run(input, omopParquet, "omop"));
        LocalDateTime ended = LocalDateTime.now(ZoneOffset.UTC);

        // What the JSON Lines run found, as the rows it must give: the note with a text id
        // has none, it is a dead letter of the OMOP runs.
        List<String> expected = new ArrayList<>();
        List<Long> expectedNoteOrder = new ArrayList<>();
        for (String line : Files.readAllLines(jsonl)) {
            JsonNode doc = JSON.readTree(line);
            if (doc.get("id").asText().equals("note-x")) {
                assertTrue(doc.get("entities").size() > 0, "the text-id note has entities");
                continue;
            }
            long noteId = doc.get("id").asLong();
            for (JsonNode e : doc.get("entities")) {
                expected.add(expectedRow(noteId, e));
                expectedNoteOrder.add(noteId);
            }
        }
        assertTrue(expected.size() > NOTES, "entities found: " + expected.size());

        List<JsonNode> jsonRows = new ArrayList<>();
        for (String line : Files.readAllLines(omopJsonl)) {
            jsonRows.add(JSON.readTree(line));
        }
        assertEquals(expected.size(), jsonRows.size(), "NOTE_NLP rows against JSON entities");
        assertEquals(expected, jsonRows.stream().map(OmopFormatsITCase::actualRow).toList());
        assertEquals(
                expectedNoteOrder,
                jsonRows.stream().map(r -> r.get("note_id").asLong()).toList(),
                "rows in input order");

        List<JsonNode> parquetRows = readParquet(omopParquet);
        assertEquals(expected.size(), parquetRows.size(), "Parquet rows against JSON entities");
        assertEquals(
                expected.stream().sorted().toList(),
                parquetRows.stream().map(OmopFormatsITCase::actualRow).sorted().toList());

        for (JsonNode row : jsonRows) {
            assertEquals(
                    "Tandem " + TandemVersion.get() + " default", row.get("nlp_system").asText());
            LocalDateTime nlpTime = LocalDateTime.parse(row.get("nlp_datetime").asText());
            assertTrue(
                    !nlpTime.isBefore(started.withNano(0)) && !nlpTime.isAfter(ended),
                    nlpTime + " within the run");
            assertEquals(nlpTime.toLocalDate().toString(), row.get("nlp_date").asText());
            assertTrue(row.get("snippet").asText().contains(row.get("lexical_variant").asText()));
            assertEquals(0, row.get("note_nlp_source_concept_id").asInt());
            long id = row.get("note_nlp_id").asLong();
            assertTrue(
                    id >= 0 && id < Integer.MAX_VALUE - NoteNlpRows.ID_PROBES,
                    "note_nlp_id " + id + " fits the DDL's integer with room to move");
        }
        // The file carries the 31-bit hashes as they are: among these few thousand entities a
        // collision has a chance of about 1 in 50 (n²/2³²), and this corpus has none.
        assertEquals(
                jsonRows.size(),
                jsonRows.stream().map(r -> r.get("note_nlp_id").asLong()).distinct().count(),
                "distinct note_nlp_id");

        for (Path deadLetters :
                List.of(
                        dir.resolve("rows.dead-letter.jsonl"),
                        dir.resolve("rows-parquet.dead-letter.jsonl"))) {
            List<String> letters = Files.readAllLines(deadLetters);
            assertEquals(2, letters.size(), deadLetters.toString());
            Map<String, JsonNode> byReason = new TreeMap<>();
            for (String letter : letters) {
                JsonNode node = JSON.readTree(letter);
                byReason.put(node.get("reason").asText().substring(0, 10), node);
            }
            JsonNode textId = byReason.get("id 'note-x");
            assertEquals("note-x", textId.get("id").asText());
            assertEquals("parse", textId.get("stage").asText());
            assertEquals(NOTES + 1, textId.get("source_position").asLong());
            assertEquals("line", textId.get("source_kind").asText());
            JsonNode malformed = byReason.get("malformed ");
            assertEquals(NOTES + 2, malformed.get("source_position").asLong());
        }
    }

    @Test
    void aParquetNoteExportReadsAsTheSameNotesWithItsOtherColumnsInMeta() throws Exception {
        Path export = dir.resolve("note.parquet");
        Path tandem = dir.resolve("notes.jsonl");
        List<String> lines = new ArrayList<>();
        MessageType schema =
                MessageTypeParser.parseMessageType(
                        "message note { required int64 note_id; required int64 person_id;"
                                + " optional binary note_title (STRING); optional binary note_text"
                                + " (STRING); }");
        try (ParquetWriter<Group> writer =
                ExampleParquetWriter.builder(new LocalOutputFile(export))
                        .withConf(new PlainParquetConfiguration())
                        .withType(schema)
                        .withCodecFactory(HadoopFreeCodecs.INSTANCE)
                        .withCompressionCodec(CompressionCodecName.SNAPPY)
                        .build()) {
            SimpleGroupFactory rows = new SimpleGroupFactory(schema);
            for (int i = 0; i < 100; i++) {
                SampleDoc note = CORPUS.generate(i);
                writer.write(
                        rows.newGroup()
                                .append("note_id", FIRST_NOTE_ID + i)
                                .append("person_id", 7L + i)
                                .append("note_title", "title " + i)
                                .append("note_text", note.text()));
                lines.add(tandemLine(FIRST_NOTE_ID + i, note));
            }
            writer.write(rows.newGroup().append("note_id", 1L).append("person_id", 2L));
        }
        Files.write(tandem, lines);

        Path fromExport = dir.resolve("from-export.jsonl");
        assertEquals(
                0,
                TandemCli.execute(
                        "run",
                        "--input",
                        export.toString(),
                        "--input-format",
                        "omop",
                        "--output",
                        fromExport.toString(),
                        "--cpu-workers",
                        "2",
                        "--no-progress"));
        Path fromTandem = dir.resolve("from-tandem.jsonl");
        assertEquals(0, FileFormatsITCase.run(tandem, fromTandem, "jsonl"));

        List<String> exported = Files.readAllLines(fromExport);
        List<String> reference = Files.readAllLines(fromTandem);
        assertEquals(100, exported.size());
        for (int i = 0; i < 100; i++) {
            JsonNode doc = JSON.readTree(exported.get(i));
            JsonNode same = JSON.readTree(reference.get(i));
            assertEquals(Long.toString(FIRST_NOTE_ID + i), doc.get("id").asText());
            assertEquals(same.get("entities"), doc.get("entities"), "entities of note " + i);
            assertEquals(7 + i, doc.get("meta").get("person_id").asLong());
            assertEquals("title " + i, doc.get("meta").get("note_title").asText());
        }
        List<String> letters = Files.readAllLines(dir.resolve("from-export.dead-letter.jsonl"));
        assertEquals(1, letters.size());
        JsonNode letter = JSON.readTree(letters.get(0));
        assertEquals("missing field 'note_text': expected a string", letter.get("reason").asText());
        assertEquals(100, letter.get("source").get("row").asLong());
    }

    @Test
    void edsnlpOmopDictionariesPassTheirEntitiesThroughAPipelineThatFindsNone() throws Exception {
        Path dicts = dir.resolve("edsnlp.jsonl");
        Files.write(
                dicts,
                List.of(
                        "{\"note_id\": 1, \"note_text\": \"Pas de fièvre. Diabète connu.\","
                                + " \"note_datetime\": \"2024-05-06T07:08:09\", \"entities\":"
                                + " [{\"note_nlp_id\": 0, \"start_char\": 7, \"end_char\": 13,"
                                + " \"lexical_variant\": \"fièvre\", \"note_nlp_source_value\":"
                                + " \"SYMPTOM\"}, {\"note_nlp_id\": 1, \"start_char\": 15,"
                                + " \"end_char\": 22, \"lexical_variant\": \"Diabète\","
                                + " \"note_nlp_source_value\": \"DISEASE\", \"cui\":"
                                + " \"C0011849\"}]}",
                        "{\"note_id\": 2, \"note_text\": \"Rien.\", \"entities\": []}",
                        "{\"note_id\": 3, \"note_text\": \"Toux.\", \"entities\":"
                                + " [{\"start_char\": 0, \"end_char\": 9, \"label\": \"S\"}]}"));
        Path pipeline = dir.resolve("qualify.yaml");
        Files.writeString(
                pipeline,
                "components:\n  - type: tokenizer\n  - type: sentences\n  - type: normalizer\n"
                        + "  - type: negation\n    languages: [fr]\n");
        Path out = dir.resolve("note_nlp.jsonl");
        assertEquals(
                0,
                TandemCli.execute(
                        "run",
                        "--input",
                        dicts.toString(),
                        "--input-format",
                        "omop",
                        "--pipeline",
                        pipeline.toString(),
                        "--output",
                        out.toString(),
                        "--output-format",
                        "omop",
                        "--cpu-workers",
                        "1",
                        "--no-progress"));

        List<String> rows = Files.readAllLines(out);
        assertEquals(2, rows.size());
        JsonNode fever = JSON.readTree(rows.get(0));
        assertEquals(1, fever.get("note_id").asLong());
        assertEquals("fièvre", fever.get("lexical_variant").asText());
        assertEquals("7", fever.get("offset").asText());
        assertEquals("N", fever.get("term_exists").asText());
        assertEquals("label=SYMPTOM,negated=true", fever.get("term_modifiers").asText());
        assertEquals(
                "Tandem " + TandemVersion.get() + " qualify", fever.get("nlp_system").asText());
        assertEquals(
                NoteNlpRows.noteNlpId(1, "qualify", 7, 13, "SYMPTOM"),
                fever.get("note_nlp_id").asLong());
        JsonNode diabetes = JSON.readTree(rows.get(1));
        assertEquals("Y", diabetes.get("term_exists").asText());
        assertEquals(
                "label=DISEASE,cui=C0011849,negated=false",
                diabetes.get("term_modifiers").asText());

        List<String> letters = Files.readAllLines(dir.resolve("note_nlp.dead-letter.jsonl"));
        assertEquals(1, letters.size());
        JsonNode letter = JSON.readTree(letters.get(0));
        assertEquals(
                "entities[0]: end_char 9 is outside the text, expected 0 to 5",
                letter.get("reason").asText());
        assertEquals(3, letter.get("source_position").asLong());
    }

    private static String tandemLine(long id, SampleDoc note) throws Exception {
        ObjectNode line = (ObjectNode) JSON.readTree(note.toJsonLine());
        line.put("id", id);
        return line.toString();
    }

    /** The row an entity of the JSON Lines output must give, as comparable text. */
    private static String expectedRow(long noteId, JsonNode entity) {
        StringBuilder modifiers = new StringBuilder("label=" + entity.get("label").asText());
        Iterator<Map.Entry<String, JsonNode>> attributes = entity.get("attributes").fields();
        while (attributes.hasNext()) {
            Map.Entry<String, JsonNode> attribute = attributes.next();
            modifiers
                    .append(',')
                    .append(attribute.getKey())
                    .append('=')
                    .append(attribute.getValue().asText());
        }
        boolean negated = entity.get("attributes").path("negated").asBoolean(false);
        return String.join(
                "|",
                Long.toString(
                        NoteNlpRows.noteNlpId(
                                noteId,
                                NoteNlpOutput.DEFAULT_PIPELINE_NAME,
                                entity.get("start").asInt(),
                                entity.get("end").asInt(),
                                entity.get("label").asText())),
                Long.toString(noteId),
                entity.get("start").asText(),
                entity.get("text").asText(),
                negated ? "N" : "Y",
                modifiers.toString(),
                "0");
    }

    private static String actualRow(JsonNode row) {
        return String.join(
                "|",
                row.get("note_nlp_id").asText(),
                row.get("note_id").asText(),
                row.get("offset").asText(),
                row.get("lexical_variant").asText(),
                row.get("term_exists").asText(),
                row.get("term_modifiers").asText(),
                row.get("note_nlp_concept_id").asText());
    }

    /** Every part file, through parquet-mr's generic Group records, as JSON objects. */
    private static List<JsonNode> readParquet(Path folder) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (Group group : ParquetParts.records(folder)) {
            ObjectNode row = JSON.createObjectNode();
            row.put("note_nlp_id", group.getLong("note_nlp_id", 0));
            row.put("note_id", group.getLong("note_id", 0));
            row.put("offset", group.getString("offset", 0));
            row.put("lexical_variant", group.getString("lexical_variant", 0));
            row.put("term_exists", group.getString("term_exists", 0));
            row.put("term_modifiers", group.getString("term_modifiers", 0));
            row.put("note_nlp_concept_id", group.getInteger("note_nlp_concept_id", 0));
            assertEquals(
                    LocalDate.ofEpochDay(group.getInteger("nlp_date", 0)),
                    LocalDateTime.ofEpochSecond(
                                    group.getLong("nlp_datetime", 0) / 1000, 0, ZoneOffset.UTC)
                            .toLocalDate());
            rows.add(row);
        }
        return rows;
    }
}
