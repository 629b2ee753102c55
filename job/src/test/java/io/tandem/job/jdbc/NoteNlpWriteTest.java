package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.omop.NoteNlpRows;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.api.common.functions.util.ListCollector;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

class NoteNlpWriteTest {
    private static final NoteNlpRows ROWS =
            new NoteNlpRows(
                    "1.0",
                    "clinical",
                    Instant.parse("2026-01-02T03:04:05Z"),
                    new DeadLetters(1000));

    private static List<NoteNlpWrite> writes(Result result) throws Exception {
        List<NoteNlpWrite> writes = new ArrayList<>();
        NoteNlpWrite.of(ROWS).flatMap(result, new ListCollector<>(writes));
        return writes;
    }

    private static Doc note() {
        Doc doc = new Doc("42", "no fever, cough", 42, SourcePosition.fileRow("note", 42), null);
        doc.entities().add(new Span(10, 15, "SYMPTOM", "terms"));
        doc.entities().add(new Span(3, 8, "SYMPTOM", "terms"));
        return doc;
    }

    @Test
    void aNoteGivesTheSharedMappingsRowsOnePerEntity() throws Exception {
        List<NoteNlpWrite> writes = writes(Result.output(note()));
        assertEquals(ROWS.rows(note()), writes.stream().map(NoteNlpWrite::entity).toList());
        assertNull(writes.get(0).deadLetter());
    }

    @Test
    void aDeadLetterNamesItsNoteAndKeepsTheSameKeyOnEveryRun() throws Exception {
        Result letter =
                Result.deadLetter(
                        new DeadLetters(1000)
                                .of(
                                        note(),
                                        Stage.values()[0],
                                        new IllegalStateException("broken")));
        NoteNlpWrite write = writes(letter).get(0);
        assertNull(write.entity());
        assertEquals(42L, NoteNlpWrite.noteIdOf(write.deadLetter()));
        assertEquals(
                "{\"origin\":\"note\",\"row\":42}", NoteNlpWrite.sourceJson(write.deadLetter()));
        assertEquals(write.deadLetterId(), writes(letter).get(0).deadLetterId());
    }

    @Test
    void writesTravelBetweenTasksWithGenericTypesDisabled() throws Exception {
        SerializerConfigImpl config = new SerializerConfigImpl();
        config.setGenericTypes(false);
        TypeSerializer<NoteNlpWrite> serializer = NoteNlpWrite.TYPE.createSerializer(config);
        List<NoteNlpWrite> writes = new ArrayList<>(writes(Result.output(note())));
        writes.addAll(
                writes(
                        Result.deadLetter(
                                new DeadLetters(1000)
                                        .of(
                                                note(),
                                                Stage.values()[0],
                                                new IllegalStateException("broken")))));
        for (NoteNlpWrite write : writes) {
            DataOutputSerializer out = new DataOutputSerializer(256);
            serializer.serialize(write, out);
            assertEquals(
                    write,
                    serializer.deserialize(new DataInputDeserializer(out.getCopyOfBuffer())));
        }
    }
}
