package io.tandem.results;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.parse.BadRecordException;
import io.tandem.source.RawRecord;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void aRecordThatFailedToParseKeepsItsSourceReasonErrorClassAndTruncatedRaw() {
        RawRecord record =
                new RawRecord(
                        3,
                        SourcePosition.fileLine("notes.jsonl", 4),
                        "{\"id\": broken".getBytes(StandardCharsets.UTF_8));
        DeadLetter letter =
                new DeadLetters(6)
                        .of(record, Stage.PARSE, new BadRecordException("malformed JSON"));
        assertEquals(3, letter.seq());
        assertEquals(SourcePosition.fileLine("notes.jsonl", 4), letter.source());
        assertEquals(Stage.PARSE, letter.stage());
        assertEquals("malformed JSON", letter.reason());
        assertEquals(BadRecordException.class.getName(), letter.errorClass());
        assertArrayEquals("{\"id\":".getBytes(StandardCharsets.UTF_8), letter.raw());
        assertEquals(13, letter.rawBytes());
        assertTrue(letter.rawTruncated());
        assertNull(letter.docId());
        assertNull(letter.model());
    }

    @Test
    void aDocumentThatFailedLaterKeepsItsIdAndMetaAndItsRawIsRebuiltFromIdAndText() {
        Doc doc =
                new Doc(
                        "n1",
                        "no fever",
                        7,
                        SourcePosition.kafka("notes", 2, 99),
                        "{\"ward\":\"B\"}");
        DeadLetter letter =
                new DeadLetters(1024).of(doc, Stage.COMPONENT, new IllegalStateException("boom"));
        assertEquals(7, letter.seq());
        assertEquals("n1", letter.docId());
        assertEquals("{\"ward\":\"B\"}", letter.metaJson());
        assertEquals(
                "{\"id\":\"n1\",\"text\":\"no fever\"}",
                new String(letter.raw(), StandardCharsets.UTF_8));
        assertFalse(letter.rawTruncated());
        assertEquals(IllegalStateException.class.getName(), letter.errorClass());
    }

    @Test
    void aModelStageDeadLetterNamesTheModelBatchAndDevice() {
        Doc doc = new Doc("n1", "x", 0, null, null);
        DeadLetter letter =
                new DeadLetters(10)
                        .of(doc, Stage.FORWARD, new RuntimeException("bad"))
                        .inModel("ner", 12, 1);
        assertEquals("ner", letter.model());
        assertEquals(12, letter.batch());
        assertEquals(1, letter.device());
        assertEquals(SourcePosition.fileLine("unknown", -1), letter.source());
    }

    @Test
    void aThrowableWithoutMessageIsDescribedByItself() {
        DeadLetter letter =
                new DeadLetters(10)
                        .of(
                                new RawRecord(0, SourcePosition.fileLine("f", 1), new byte[0]),
                                Stage.PARSE,
                                new NullPointerException());
        assertEquals("java.lang.NullPointerException", letter.reason());
    }

    @Test
    void neverSplitsAUtf8Character() {
        byte[] raw = "aé".getBytes(StandardCharsets.UTF_8); // a, then 2 bytes
        assertEquals(1, DeadLetters.truncationPoint(raw, 2));
        assertEquals(3, DeadLetters.truncationPoint(raw, 3));
        assertEquals(0, DeadLetters.truncationPoint(raw, 0));
    }

    @Test
    void aResultIsADocumentOrADeadLetterNeverBothNorNeither() {
        Doc doc = new Doc("n1", "x", 0, null, null);
        DeadLetter letter = new DeadLetters(10).of(doc, Stage.PARSE, new RuntimeException("bad"));
        IllegalArgumentException both =
                assertThrows(IllegalArgumentException.class, () -> new Result(doc, letter));
        assertEquals(
                "A result is a document or a dead letter, exactly one of them", both.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Result(null, null));
        assertEquals("n1", Result.deadLetter(letter).key());
        assertTrue(Result.deadLetter(letter).isDeadLetter());
    }
}
