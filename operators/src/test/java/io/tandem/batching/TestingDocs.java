package io.tandem.batching;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Doc;
import io.tandem.inference.FailingPostprocess;
import io.tandem.inference.ModelComponent;
import io.tandem.pipeline.Pipeline;
import io.tandem.results.DeadLetters;
import io.tandem.results.TestingResults;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;

/**
 * Documents as they reach the batcher (the default pipeline's components before the model have run
 * on them), and the finisher that runs the components after the model: what the operator tests feed
 * the batchers and the join.
 */
public final class TestingDocs {
    private static final Pipeline.Split SPLIT = Pipeline.defaultPipeline().split();

    private TestingDocs() {}

    /**
     * A note of {@code words} words (at least 2) mentioning a drug, as it reaches the batcher; the
     * batchers sort by word count, so tests choose the order batching puts documents in.
     */
    public static Doc doc(String id, long seq, int words) {
        if (words < 2) {
            throw new IllegalArgumentException("A test note has at least 2 words, got " + words);
        }
        StringBuilder text = new StringBuilder("takes aspirin");
        for (int i = 2; i < words; i++) {
            text.append(" daily");
        }
        Doc doc = note(id, seq, text.toString());
        if (doc.wordCount() != words) {
            throw new IllegalStateException(
                    "Note " + id + " has " + doc.wordCount() + " words, expected " + words);
        }
        return doc;
    }

    /** A note of {@code text} as it reaches the batcher. */
    public static Doc note(String id, long seq, String text) {
        Doc doc = new Doc(id, text, seq, null, null);
        SPLIT.before().process(doc);
        return doc;
    }

    /** The id of the note of {@link #drugNotes()} that tests make fail. */
    public static final String POISON = "poison";

    /**
     * Notes as they reach the batcher, each with a drug the tiny model finds and a rule-based
     * entity that the model's merge sorts after the drug; {@link #POISON} is second, so that
     * splitting a batch of them retries the first note too.
     */
    public static List<Doc> drugNotes() {
        return List.of(
                note("aspirin", 0, "Takes aspirin for fever."),
                note(POISON, 1, "Started metformin for cough."),
                note("insulin", 2, "Insulin since 2020-01-02 for diabetes."),
                note("lisinopril", 3, "No fever, stopped lisinopril."));
    }

    /**
     * Everything a component may have written on {@code doc}, in order (entities with their
     * attributes in insertion order, as the output writes them): two documents are processed alike
     * when these are equal.
     */
    public static String describe(Doc doc) {
        StringBuilder vectors = new StringBuilder();
        doc.vectors()
                .forEach((name, vector) -> vectors.append(name).append(Arrays.toString(vector)));
        return doc.id()
                + " tokens="
                + doc.tokens()
                + " sentences="
                + doc.sentences()
                + " entities="
                + doc.entities()
                + " vectors="
                + vectors
                + " attributes="
                + doc.attributes();
    }

    /** Each processed document of an operator's output, described in full, in output order. */
    public static List<String> described(Collection<?> output) {
        return describedWithout(null, output);
    }

    /** The same, less the document with id {@code leftOut}. */
    public static List<String> describedWithout(String leftOut, Collection<?> output) {
        return TestingResults.outputDocs(output).stream()
                .filter(doc -> !doc.id().equals(leftOut))
                .map(TestingDocs::describe)
                .toList();
    }

    /** The default pipeline's components after the model, around {@code model}. */
    public static <F extends Serializable> DocFinisher<F> finisher(ModelComponent<F> model) {
        return new DocFinisher<>(model, SPLIT.after(), new DeadLetters(1024));
    }

    /**
     * Checks an operator's output for {@link #drugNotes()} run with {@link
     * FailingPostprocess#of}({@code model}, {@link #POISON}): every note has its result in arrival
     * order, only the poison is a dead letter, at {@code place}, and every other document is
     * exactly as in {@code healthy}, the output of a run without the failure.
     */
    public static void assertOnlyThePoisonFailed(
            Collection<?> output, Collection<?> healthy, String place) {
        assertEquals(
                drugNotes().stream().map(Doc::id).toList(),
                TestingResults.ids(output),
                "every document has its result, in arrival order");
        assertEquals(List.of(POISON), TestingResults.deadLetterIds(output));
        assertEquals(
                List.of(FailingPostprocess.failure(POISON)),
                TestingResults.deadLetterReasons(output));
        assertEquals(List.of(place), TestingResults.deadLetterPlaces(output));
        assertEquals(
                describedWithout(POISON, healthy),
                described(output),
                "entities (rule-based ones included), attributes and order as in a healthy run");
    }
}
