package io.tandem.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The clinical length profile hits its targets; the default corpus stays as it was. */
class LengthProfileTest {
    /** Notes measured: enough for a stable p99 (40 notes above it), a few seconds to generate. */
    private static final int NOTES = 4000;

    /** Allowed distance of the measured median and p99 from the targets, as a share. */
    private static final double TOLERANCE = 0.15;

    /**
     * SHA-256 of the first {@link #HASHED_NOTES} default notes as JSON lines, each followed by a
     * newline, computed before the length profiles existed.
     */
    private static final String DEFAULT_CORPUS_SHA256 =
            "0184aae19f5716056799bbdc6aa6d033bf89f4f25ca0caffa25b9933aaf25695";

    private static final int HASHED_NOTES = 500;

    @Test
    void clinicalNotesHaveAMedianNearTwoThousandAndAP99NearTwentyThousandCharacters() {
        SampleCorpus corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED, LengthProfile.CLINICAL);
        int[] lengths = new int[NOTES];
        for (int i = 0; i < NOTES; i++) {
            lengths[i] = corpus.generate(i).text().length();
        }
        Arrays.sort(lengths);
        int median = lengths[NOTES / 2];
        int p99 = lengths[(int) Math.ceil(0.99 * NOTES) - 1];
        assertWithin(2_000, median, "median");
        assertWithin(20_000, p99, "p99");
        assertTrue(lengths[0] >= 100, "shortest clinical note: " + lengths[0] + " characters");
    }

    @Test
    void defaultCorpusIsByteIdenticalToTheOneBeforeLengthProfiles() throws Exception {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        SampleCorpus corpus = new SampleCorpus();
        for (int i = 0; i < HASHED_NOTES; i++) {
            digest.update(corpus.generate(i).toJsonLine().getBytes(StandardCharsets.UTF_8));
            digest.update((byte) '\n');
        }
        assertEquals(DEFAULT_CORPUS_SHA256, HexFormat.of().formatHex(digest.digest()));
    }

    @Test
    void defaultSeedConstructorUsesTheDefaultProfile() {
        assertEquals(LengthProfile.DEFAULT, new SampleCorpus().lengths());
        assertEquals(
                new SampleCorpus().generate(7).toJsonLine(),
                new SampleCorpus(SampleCorpus.DEFAULT_SEED, LengthProfile.DEFAULT)
                        .generate(7)
                        .toJsonLine());
    }

    private static void assertWithin(int target, int measured, String what) {
        assertTrue(
                Math.abs(measured - target) <= TOLERANCE * target,
                what
                        + " of "
                        + NOTES
                        + " clinical notes: "
                        + measured
                        + " characters, expected "
                        + target
                        + " ± "
                        + (int) (TOLERANCE * 100)
                        + "%");
    }
}
