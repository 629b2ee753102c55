package io.tandem.results;

import io.tandem.doc.Doc;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Reads the results an operator emitted into a test harness's output or side output, each list in
 * emission order: the ids of processed documents and of dead letters, and the dead letters
 * themselves. The one place the operator tests depend on the result type. A {@code null} output is
 * an empty one: a harness makes a side output on its first record.
 */
public final class TestingResults {
    private TestingResults() {}

    /** Ids of all documents, processed or dead letters. */
    public static List<String> ids(Collection<?> output) {
        return results(output).stream().map(Result::key).toList();
    }

    /** Ids of the processed documents. */
    public static List<String> outputIds(Collection<?> output) {
        return results(output).stream()
                .filter(r -> !r.isDeadLetter())
                .map(r -> r.doc().id())
                .toList();
    }

    /** The processed documents. */
    public static List<Doc> outputDocs(Collection<?> output) {
        return results(output).stream().filter(r -> !r.isDeadLetter()).map(Result::doc).toList();
    }

    /** Ids of the documents that became dead letters. */
    public static List<String> deadLetterIds(Collection<?> output) {
        return deadLetters(output).stream().map(DeadLetter::docId).toList();
    }

    /** Why each dead letter failed. */
    public static List<String> deadLetterReasons(Collection<?> output) {
        return deadLetters(output).stream().map(DeadLetter::reason).toList();
    }

    /**
     * Where each dead letter failed: {@code "<stage>"}, then for a model stage {@code " in <model>,
     * batch <batch>, device <device>"}.
     */
    public static List<String> deadLetterPlaces(Collection<?> output) {
        return deadLetters(output).stream()
                .map(
                        d ->
                                d.stage().label()
                                        + (d.model() == null
                                                ? ""
                                                : " in "
                                                        + d.model()
                                                        + ", batch "
                                                        + d.batch()
                                                        + ", device "
                                                        + d.device()))
                .toList();
    }

    public static List<DeadLetter> deadLetters(Collection<?> output) {
        return results(output).stream()
                .filter(Result::isDeadLetter)
                .map(Result::deadLetter)
                .toList();
    }

    private static List<Result> results(Collection<?> output) {
        List<Result> results = new ArrayList<>();
        if (output == null) {
            return results;
        }
        for (Object element : output) {
            if (element instanceof StreamRecord<?> record
                    && record.getValue() instanceof Result result) {
                results.add(result);
            }
        }
        return results;
    }
}
