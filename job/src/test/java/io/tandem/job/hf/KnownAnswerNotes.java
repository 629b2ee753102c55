package io.tandem.job.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Notes whose entities are known by construction: every whole-word occurrence of a {@link #TARGETS}
 * word is an entity of its label, and no other word is.
 */
final class KnownAnswerNotes {
    /** word, label: each word is one piece of MiniLM's uncased vocabulary. */
    static final List<String[]> TARGETS =
            List.of(
                    new String[] {"insulin", "DRUG"},
                    new String[] {"asthma", "DISEASE"},
                    new String[] {"cough", "SYMPTOM"});

    private static final String[] SUBJECTS = {
        "The patient", "She", "He", "Her mother", "The child", "His brother"
    };
    private static final String[] TEMPLATES = {
        "%s was given insulin for the pain.",
        "%s has a history of asthma since childhood.",
        "%s reports a dry cough at night.",
        "Insulin was stopped after two days.",
        "No asthma was found on examination.",
        "The cough got worse when %s went outside.",
        "%s takes insulin every morning with breakfast.",
        "Blood pressure was stable and the abdomen was soft.",
        "Follow-up in three weeks with the family doctor.",
        "%s sleeps well and eats normally.",
        "The chest x-ray was clear; asthma remains well controlled.",
        "%s denies fever but mentions a cough.",
        "Laboratory results were within normal limits.",
        "%s walked to the clinic without help."
    };

    /** A note and its expected entities. */
    record Note(String text, List<Expected> entities) {}

    /** An expected entity: UTF-16 offsets into the note. */
    record Expected(int start, int end, String label, String text) {}

    private KnownAnswerNotes() {}

    /** The entities of an output line's document, each asserted to be {@code ner}'s. */
    static List<Expected> foundByNer(JsonNode doc) {
        List<Expected> found = new ArrayList<>();
        for (JsonNode e : doc.get("entities")) {
            assertEquals("ner", e.get("source").asText(), e.toString());
            found.add(
                    new Expected(
                            e.get("start").asInt(),
                            e.get("end").asInt(),
                            e.get("label").asText(),
                            e.get("text").asText()));
        }
        return found;
    }

    /** {@code count} notes of {@code sentences} sentences each, the same for the same seed. */
    static List<Note> generate(long seed, int count, int sentences) {
        Random random = new Random(seed);
        List<Note> notes = new ArrayList<>(count);
        for (int n = 0; n < count; n++) {
            StringBuilder text = new StringBuilder();
            for (int s = 0; s < sentences; s++) {
                if (s > 0) {
                    text.append(' ');
                }
                String template = TEMPLATES[random.nextInt(TEMPLATES.length)];
                text.append(template.formatted(SUBJECTS[random.nextInt(SUBJECTS.length)]));
            }
            notes.add(new Note(text.toString(), expected(text.toString())));
        }
        return notes;
    }

    /** The whole-word occurrences of the target words, in order. */
    static List<Expected> expected(String text) {
        List<Expected> found = new ArrayList<>();
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (int at = 0; at < lower.length(); ) {
            if (!Character.isLetter(lower.charAt(at))) {
                at++;
                continue;
            }
            int end = at;
            while (end < lower.length() && Character.isLetter(lower.charAt(end))) {
                end++;
            }
            String word = lower.substring(at, end);
            for (String[] target : TARGETS) {
                if (target[0].equals(word)) {
                    found.add(new Expected(at, end, target[1], text.substring(at, end)));
                }
            }
            at = end;
        }
        return found;
    }
}
