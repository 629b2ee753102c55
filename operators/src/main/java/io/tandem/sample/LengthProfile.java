package io.tandem.sample;

/**
 * How long the notes of a {@link SampleCorpus} are: each note draws a target length in
 * whitespace-separated words from a log-normal, redrawn outside [{@link #minTargetWords}, {@link
 * #maxWords}], then adds template lines until it reaches the target; {@link #maxWords} is also a
 * hard cap. Notes average about 6.5 characters per word (spaces included).
 */
public enum LengthProfile {
    /**
     * Mostly short notes, a long tail of hospital stays: median 84 words, p99 2,533 (see {@link
     * SampleCorpus}). The corpus every test and figure uses unless it names another profile.
     */
    DEFAULT(65, 1.6, 12, SampleCorpus.MAX_WORDS),

    /**
     * Lengths of real clinical notes: a few hundred to tens of thousands of characters, median
     * about 2,000 and p99 about 20,000 (over the first 20,000 notes: median 2,065 characters, p99
     * 20,234). Heavier in the middle and lighter in the tail than {@link #DEFAULT}, relative to the
     * median.
     */
    CLINICAL(370, 0.92, 40, 12_000);

    /** Median of the log-normal target length, in words. */
    final double medianTargetWords;

    /** Log-normal shape (σ of the log). */
    final double sigma;

    final int minTargetWords;

    /** No note has more whitespace-separated words than this. */
    public final int maxWords;

    LengthProfile(double medianTargetWords, double sigma, int minTargetWords, int maxWords) {
        this.medianTargetWords = medianTargetWords;
        this.sigma = sigma;
        this.minTargetWords = minTargetWords;
        this.maxWords = maxWords;
    }
}
