package io.tandem.sample;

/**
 * Ground truth for one span the generator inserted: a lexicon term (label {@code DISEASE}, {@code
 * DRUG} or {@code SYMPTOM}) or a date ({@link #DATE}). {@code [start, end)} are character offsets
 * into {@link SampleDoc#text()}, and {@code text} is exactly that substring. {@code negated} is
 * true when the term was written right after a negation cue ("no fever", "pas de toux"); dates are
 * never negated.
 */
public record SampleMention(String label, String text, int start, int end, boolean negated) {
    public static final String DATE = "DATE";
}
