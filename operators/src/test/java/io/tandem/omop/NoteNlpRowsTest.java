package io.tandem.omop;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.parse.BadRecordException;
import io.tandem.results.DeadLetter;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class NoteNlpRowsTest {
    private static final Instant RUN = Instant.parse("2026-03-04T05:06:07.891234Z");
    private static final String TEXT = "Patient denies fever. Known diabetes, on metformin.";

    private static NoteNlpRows mapper(String pipeline) {
        return new NoteNlpRows("1.2.3", pipeline, RUN, new DeadLetters(1000));
    }

    private static Doc note(String id, String text, Span... entities) {
        Doc doc = new Doc(id, text, 7, SourcePosition.fileLine("notes.jsonl", 8), null);
        doc.entities().addAll(List.of(entities));
        return doc;
    }

    private static Span span(String text, String entity, String label) {
        int start = text.indexOf(entity);
        return new Span(start, start + entity.length(), label, "terms");
    }

    private static Doc sampleNote() {
        Span fever = span(TEXT, "fever", "SYMPTOM");
        fever.attributes().put("negated", true);
        Span diabetes = span(TEXT, "diabetes", "DISEASE");
        diabetes.attributes().put("negated", false);
        Span metformin = span(TEXT, "metformin", "DRUG");
        // Entities arrive in any order; rows follow the text.
        return note("42", TEXT, metformin, fever, diabetes);
    }

    @Test
    void aNoteGivesOneRowPerEntityInTextOrderWithEveryColumnFilled() {
        NoteNlpResult result = mapper("clinical").of(Result.output(sampleNote()));

        List<NoteNlpRow> rows = result.rows();
        assertEquals(3, rows.size());
        assertEquals(
                List.of("fever", "diabetes", "metformin"),
                rows.stream().map(NoteNlpRow::lexicalVariant).toList());
        NoteNlpRow fever = rows.get(0);
        assertEquals(42, fever.noteId());
        assertEquals(0, fever.sectionConceptId());
        assertEquals(TEXT, fever.snippet());
        assertEquals(Integer.toString(TEXT.indexOf("fever")), fever.offset());
        assertEquals(0, fever.noteNlpConceptId());
        assertEquals(0, fever.noteNlpSourceConceptId());
        assertEquals("Tandem 1.2.3 clinical", fever.nlpSystem());
        assertEquals(LocalDate.of(2026, 3, 4), fever.nlpDate());
        assertEquals(LocalDateTime.of(2026, 3, 4, 5, 6, 7, 891_000_000), fever.nlpDatetime());
        assertNull(fever.termTemporal());
        assertEquals("label=SYMPTOM,negated=true", fever.termModifiers());
    }

    @Test
    void aNegatedEntityDoesNotExistAndOthersDo() {
        List<NoteNlpRow> rows = mapper("clinical").rows(sampleNote());
        assertEquals(List.of("N", "Y", "Y"), rows.stream().map(NoteNlpRow::termExists).toList());
    }

    @Test
    void theLabelIsTheFirstPairOfTermModifiersEvenWithoutAttributes() {
        List<NoteNlpRow> rows = mapper("clinical").rows(sampleNote());
        assertEquals("label=DRUG", rows.get(2).termModifiers());
        assertTrue(rows.get(1).termModifiers().startsWith("label=DISEASE,"));
    }

    @Test
    void commasEqualSignsAndBackslashesInModifiersAreEscaped() {
        Span span = new Span(0, 4, "A,B", "terms");
        span.attributes().put("note", "x=1, y\\2");
        assertEquals("label=A\\,B,note=x\\=1\\, y\\\\2", NoteNlpRows.termModifiers(span));
    }

    @Test
    void idsAreTheSameOnEveryRunOfTheSamePipelineAndDifferOtherwise() {
        List<Long> first = ids(mapper("clinical").rows(sampleNote()));
        NoteNlpRows later =
                new NoteNlpRows(
                        "1.2.4", "clinical", RUN.plusSeconds(86_400), new DeadLetters(1000));
        assertEquals(first, ids(later.rows(sampleNote())));
        assertEquals(3, first.stream().distinct().count());
        assertTrue(first.stream().allMatch(id -> id >= 0));

        List<Long> otherPipeline = ids(mapper("other").rows(sampleNote()));
        assertTrue(otherPipeline.stream().noneMatch(first::contains));
        assertNotEquals(
                NoteNlpRows.noteNlpId(42, "clinical", 1, 5, "A"),
                NoteNlpRows.noteNlpId(43, "clinical", 1, 5, "A"));
        assertNotEquals(
                NoteNlpRows.noteNlpId(42, "clinical", 1, 5, "A"),
                NoteNlpRows.noteNlpId(42, "clinical", 1, 5, "B"));
    }

    @Test
    void idsFitTheDdlsIntegerAndCollideAsRarelyAs31BitsPredict() {
        int entities = 100_000;
        List<Long> ids =
                IntStream.range(0, entities)
                        .mapToObj(i -> NoteNlpRows.noteNlpId(i / 10, "p", i % 10, i % 10 + 1, "L"))
                        .toList();
        assertTrue(
                ids.stream()
                        .allMatch(id -> id >= 0 && id + NoteNlpRows.ID_PROBES <= Integer.MAX_VALUE),
                "every id and the ids a writer may try after it are integers");
        // n²/2³² ≈ 2.3 pairs expected among 100,000; 63-bit ids would have none, 24-bit ids ~300.
        long collisions = entities - ids.stream().distinct().count();
        assertTrue(collisions <= 10, collisions + " collisions among " + entities);
    }

    private static List<Long> ids(List<NoteNlpRow> rows) {
        return rows.stream().map(NoteNlpRow::noteNlpId).toList();
    }

    @Test
    void longTextsAreCutTo250AndModifiersTo2000AtAPairBoundary() {
        String entity = "x".repeat(300);
        String text = "a".repeat(500) + entity + "b".repeat(500);
        Span long_ = new Span(500, 800, "LONG", "terms");
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (int i = 0; i < 200; i++) {
            attributes.put("attribute" + i, "value" + i);
        }
        long_.attributes().putAll(attributes);
        NoteNlpRow row = mapper("clinical").rows(note("1", text, long_)).get(0);

        assertEquals("x".repeat(250), row.lexicalVariant());
        assertEquals("x".repeat(250), row.snippet());
        assertTrue(row.termModifiers().length() <= 2000, row.termModifiers());
        assertTrue(row.termModifiers().length() > 1900, row.termModifiers());
        String lastPair = row.termModifiers().substring(row.termModifiers().lastIndexOf(',') + 1);
        assertTrue(lastPair.matches("attribute\\d+=value\\d+"), lastPair);
        assertEquals(
                lastPair.substring(0, lastPair.indexOf('=')).replace("attribute", ""),
                lastPair.substring(lastPair.indexOf('=') + 1).replace("value", ""));
    }

    @Test
    void theSnippetCentresTheEntityIn250CharactersAndUsesTheRoomAnEdgeLeaves() {
        String text = "a".repeat(1000) + "ENTITY" + "b".repeat(1000);
        assertEquals(
                "a".repeat(122) + "ENTITY" + "b".repeat(122),
                NoteNlpRows.snippet(text, 1000, 1006));
        String early = "ab" + "ENTITY" + "c".repeat(1000);
        assertEquals("ab" + "ENTITY" + "c".repeat(242), NoteNlpRows.snippet(early, 2, 8));
        String late = "a".repeat(1000) + "ENTITY" + "c";
        assertEquals("a".repeat(243) + "ENTITY" + "c", NoteNlpRows.snippet(late, 1000, 1006));
    }

    @Test
    void cutsNeverSplitASurrogatePair() {
        String emoji = "\uD83D\uDE00"; // two chars, one code point
        String text = "x".repeat(249) + emoji;
        assertEquals("x".repeat(249), NoteNlpRows.cut(text, 250));
        String around = emoji.repeat(200) + "ENTITY" + emoji.repeat(200);
        String snippet = NoteNlpRows.snippet(around, 400, 406);
        assertTrue(snippet.length() <= 250);
        assertTrue(!Character.isLowSurrogate(snippet.charAt(0)), snippet);
        assertTrue(!Character.isHighSurrogate(snippet.charAt(snippet.length() - 1)), snippet);
    }

    @Test
    void theOffsetCountsCodePointsAsPostgresqlAndPythonDo() {
        String text = "\uD83D\uDE00 fever";
        Span fever = new Span(3, 8, "SYMPTOM", "terms");
        NoteNlpRow row = mapper("clinical").rows(note("1", text, fever)).get(0);
        assertEquals("2", row.offset());
        assertEquals("fever", row.lexicalVariant());
    }

    @Test
    void edsnlpsNegationAttributeAlsoMeansTheTermDoesNotExist() {
        Span span = span(TEXT, "fever", "SYMPTOM");
        span.attributes().put(NoteNlpRows.EDSNLP_NEGATION_ATTRIBUTE, true);
        assertEquals("N", mapper("clinical").rows(note("1", TEXT, span)).get(0).termExists());
    }

    @Test
    void theConceptIdAndTemporalQualifierComeFromTheEntitysAttributes() {
        Span span = span(TEXT, "diabetes", "DISEASE");
        span.attributes().put(NoteNlpRows.CONCEPT_ID_ATTRIBUTE, 201826);
        span.attributes().put(NoteNlpRows.TEMPORAL_ATTRIBUTE, "past");
        NoteNlpRow row = mapper("clinical").rows(note("5", TEXT, span)).get(0);
        assertEquals(201826, row.noteNlpConceptId());
        assertEquals("past", row.termTemporal());
    }

    @Test
    void aNoteWhoseIdIsNotAnIntegerIsADeadLetterNamingIt() {
        Doc doc = note("note-7", TEXT, span(TEXT, "fever", "SYMPTOM"));
        NoteNlpRows rows = mapper("clinical");

        NoteNlpResult result = rows.of(Result.output(doc));
        assertTrue(result.isDeadLetter());
        NoteNlpDeadLetterRow letter = result.deadLetter();
        assertEquals("note-7", letter.docId());
        assertEquals("parse", letter.stage());
        assertEquals(BadRecordException.class.getName(), letter.error());
        assertTrue(letter.reason().contains("'note-7'"), letter.reason());
        assertTrue(letter.reason().contains("integer"), letter.reason());
        assertEquals(7, letter.seq());
        assertEquals("notes.jsonl", letter.sourceOrigin());
        assertEquals("line", letter.sourceKind());
        assertEquals(8, letter.sourcePosition());

        assertTrue(rows.checkNoteId(Result.output(doc)).isDeadLetter());
        assertEquals("note-7", rows.checkNoteId(Result.output(doc)).deadLetter().docId());
        IllegalArgumentException refused =
                assertThrows(IllegalArgumentException.class, () -> rows.rows(doc));
        assertTrue(refused.getMessage().contains("'note-7'"), refused.getMessage());
    }

    @Test
    void aNoteWithoutEntitiesGivesNoRow() {
        NoteNlpResult result = mapper("clinical").of(Result.output(note("3", TEXT)));
        assertEquals(List.of(), result.rows());
    }

    @Test
    void aDeadLetterBecomesARowWithTheJsonDeadLettersFields() {
        DeadLetter failed =
                new DeadLetters(1000)
                        .of(sampleNote(), Stage.FORWARD, new IllegalStateException("boom"))
                        .inModel("ner", 12, 1);
        NoteNlpDeadLetterRow row = NoteNlpRows.deadLetter(failed);
        assertEquals("forward", row.stage());
        assertEquals("boom", row.reason());
        assertEquals(IllegalStateException.class.getName(), row.error());
        assertEquals("42", row.docId());
        assertEquals("ner", row.model());
        assertEquals(12L, row.batch());
        assertEquals(1, row.device());
        assertTrue(row.raw().contains("\"id\":\"42\""), row.raw());
        assertEquals(row.raw().length(), row.rawBytes());
        assertEquals(false, row.rawTruncated());
        assertNull(row.sourcePartition());

        DeadLetter kafka =
                new DeadLetter(
                        1,
                        SourcePosition.kafka("notes", 2, 99),
                        Stage.PARSE,
                        "malformed JSON",
                        BadRecordException.class.getName(),
                        new byte[] {'{'},
                        10,
                        null,
                        null,
                        null,
                        DeadLetter.NO_BATCH,
                        DeadLetter.NO_DEVICE);
        NoteNlpDeadLetterRow kafkaRow = NoteNlpRows.deadLetter(kafka);
        assertEquals("offset", kafkaRow.sourceKind());
        assertEquals(2, kafkaRow.sourcePartition());
        assertEquals(99, kafkaRow.sourcePosition());
        assertTrue(kafkaRow.rawTruncated());
        assertNull(kafkaRow.model());
        assertNull(kafkaRow.batch());
        assertNull(kafkaRow.device());
        assertEquals(
                NoteNlpDeadLetterRow.COLUMNS.size(),
                NoteNlpDeadLetterRow.class.getRecordComponents().length);
        assertEquals(NoteNlpRow.COLUMNS.size(), NoteNlpRow.class.getRecordComponents().length);
    }

    @Test
    void nlpSystemNamesTheVersionAndPipelineCutTo250() {
        String pipeline = "p".repeat(300);
        assertEquals("Tandem 1.2.3 " + "p".repeat(237), mapper(pipeline).nlpSystem());
    }
}
