package io.tandem.doc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.tandem.batching.TestingDocs;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A captured state puts a document back exactly, whatever a component did to it: entities appended,
 * sorted, removed or replaced, attributes changed in place, vectors added or changed in place,
 * token norms and sentences changed.
 */
class DocStateTest {
    private static final String TEXT = "No fever, stopped aspirin on 2024-01-02.";

    /** A processed note: rule-based entities with attributes, and a vector. */
    private static Doc note() {
        Doc doc = TestingDocs.note("note", 7, TEXT);
        doc.entities().get(0).attributes().put("negated", true);
        doc.vectors().put("embeddings", new float[] {0.25f, -0.5f});
        doc.attributes().put("note_type", "discharge");
        doc.sentences().get(0).attributes().put("topic", "SYMPTOM");
        return doc;
    }

    /** What every test changes the note into, as a careless component could. */
    private static void scribble(Doc doc) {
        doc.entities().add(new Span(18, 25, "DRUG", "ner"));
        doc.entities().sort(Comparator.comparing(Span::label));
        doc.entities().get(0).attributes().put("negated", false);
        doc.entities().get(1).attributes().put("score", 0.5);
        doc.entities().remove(doc.entities().size() - 1);
        doc.vectors().get("embeddings")[0] = 99f;
        doc.vectors().put("other", new float[] {1f});
        doc.tokens().get(0).setNorm("changed");
        doc.tokens().remove(1);
        doc.attributes().put("note_type", "triage");
        doc.attributes().put("note_type_score", 0.5);
        doc.sentences().get(0).attributes().put("topic", "DRUG");
        doc.sentences().clear();
    }

    @Test
    void restoringPutsBackEverythingAComponentChanged() {
        Doc doc = note();
        String before = TestingDocs.describe(doc);
        assertEquals(
                List.of("SYMPTOM", "DATE"),
                doc.entities().stream().map(Span::label).toList(),
                "the note has rule-based entities to lose");
        DocState state = DocState.capture(doc);

        scribble(doc);
        assertNotEquals(before, TestingDocs.describe(doc));
        state.restore();

        assertEquals(before, TestingDocs.describe(doc));
        assertEquals(note(), doc);
    }

    @Test
    void restoringKeepsTheDocumentsOwnObjects() {
        Doc doc = note();
        Span first = doc.entities().get(0);
        Token token = doc.tokens().get(0);
        float[] vector = doc.vectors().get("embeddings");
        DocState state = DocState.capture(doc);

        scribble(doc);
        state.restore();

        assertSame(first, doc.entities().get(0));
        assertSame(token, doc.tokens().get(0));
        assertSame(vector, doc.vectors().get("embeddings"));
        assertEquals("[0.25, -0.5]", Arrays.toString(vector));
    }

    @Test
    void aStateRestoresAsOftenAsAttemptsFail() {
        Doc doc = note();
        String before = TestingDocs.describe(doc);
        DocState state = DocState.capture(doc);

        scribble(doc);
        state.restore();
        scribble(doc);
        state.restore();

        assertEquals(before, TestingDocs.describe(doc));
    }

    @Test
    void everyFieldOfADocIsImmutableOrCaptured() {
        // A new field on Doc must be captured by DocState, or be final and immutable; then add it
        // to the list it belongs to here.
        Set<String> immutable = Set.of("id", "text", "seq", "source", "metaJson");
        Set<String> captured = Set.of("tokens", "sentences", "entities", "vectors", "attributes");
        Set<String> fields =
                Arrays.stream(Doc.class.getDeclaredFields())
                        .filter(f -> !Modifier.isStatic(f.getModifiers()))
                        .map(Field::getName)
                        .collect(Collectors.toSet());
        assertEquals(
                union(immutable, captured), fields, "Doc's fields against what DocState handles");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        return Stream.concat(a.stream(), b.stream()).collect(Collectors.toSet());
    }
}
