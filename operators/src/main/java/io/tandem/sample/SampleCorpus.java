package io.tandem.sample;

import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.pipeline.InProcessPipeline;
import io.tandem.pipeline.Pipeline;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A deterministic synthetic corpus of clinical notes in English (about 60%) and French (about 40%),
 * for benchmarks and end-to-end tests of the pipeline.
 *
 * <p><b>Random access.</b> {@link #generate(long)} derives a private random stream from {@code
 * (seed, index)} alone, so a document is the same whichever order, thread or machine generates it,
 * and parallel sources can each produce their own slice. The instance only holds the seed and is
 * {@link Serializable}.
 *
 * <p><b>Content.</b> Notes are sections (history, social history, medication, vitals, examination,
 * progress notes for long stays, assessment and plan, follow-up) filled from sentence templates.
 * They insert terms of the pipeline's lexicon ({@code io/tandem/lexicon/clinical-terms.tsv}:
 * diseases, drugs, symptoms), affirmed or negated right after a cue ("no fever", "denies chest
 * pain", "pas de toux", "sans fièvre ni toux"), drugs with doses and frequencies ("metformin 500 mg
 * twice daily"), and dates (2023-04-17, 17/04/2023, 17 April 2023). {@link SampleDoc#mentions()} is
 * the ground truth of every inserted term and date, with character offsets.
 *
 * <p><b>Length distribution.</b> By default ({@link LengthProfile#DEFAULT}) each note draws a
 * target length in whitespace-separated words from a log-normal with median 65 and σ = 1.6 (of the
 * log), redrawn outside [12, 6,000], then adds template lines until it reaches the target; {@link
 * #MAX_WORDS} is a hard cap. The result: most notes are a few sentences, and a long tail of
 * hospital-stay notes with daily progress sections. Measured over the first 20,000 notes of {@link
 * #DEFAULT_SEED}: median 84 words, p10 23, p90 537, p99 2,533, 1.5% over 2,000 words, longest
 * 5,847; mean 232 words (about 1,500 characters) and 31 mentions, 23% of them negated. {@link
 * LengthProfile#CLINICAL} draws the lengths of real clinical notes instead (median about 2,000
 * characters, p99 about 20,000) from the same templates.
 */
public final class SampleCorpus implements Serializable {
    private static final long serialVersionUID = 1L;

    public static final long DEFAULT_SEED = 20_250_417L;

    /** No note has more whitespace-separated words than this. */
    public static final int MAX_WORDS = 6000;

    /** Prefix of the CLI input syntax {@code sample:N}. */
    public static final String SPEC_PREFIX = "sample:";

    private static final double ENGLISH_SHARE = 0.6;

    private static final Pattern POSITIVE_INTEGER = Pattern.compile("[0-9]+");

    private final long seed;
    private final LengthProfile lengths;

    public SampleCorpus() {
        this(DEFAULT_SEED);
    }

    public SampleCorpus(long seed) {
        this(seed, LengthProfile.DEFAULT);
    }

    public SampleCorpus(long seed, LengthProfile lengths) {
        if (lengths == null) {
            throw new IllegalArgumentException("Length profile must not be null");
        }
        this.seed = seed;
        this.lengths = lengths;
    }

    public long seed() {
        return seed;
    }

    public LengthProfile lengths() {
        return lengths;
    }

    /** The note at {@code index}, identical for every call with the same seed and index. */
    public SampleDoc generate(long index) {
        if (index < 0) {
            throw new IllegalArgumentException("Sample index must be >= 0, got " + index);
        }
        SplitMix64 random = SplitMix64.forIndex(seed, index);
        NoteLanguage language = random.chance(ENGLISH_SHARE) ? Languages.ENGLISH : Languages.FRENCH;
        NoteComposer note = new NoteComposer(random, language, lengths).compose();
        return new SampleDoc(index, language.code, note.text(), note.mentions());
    }

    /** Notes {@code 0 .. count-1} as documents annotated by the default pipeline (tiny model). */
    public List<Doc> annotatedDocs(int count) throws Exception {
        List<Doc> docs = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            docs.add(generate(i).toDoc());
        }
        try (InProcessPipeline pipeline =
                new InProcessPipeline(Pipeline.defaultPipeline(), ForwardContext.cpu(1))) {
            pipeline.process(docs);
        }
        return docs;
    }

    /** Writes notes {@code 0 .. count-1} as UTF-8 JSON lines ({@link SampleDoc#toJsonLine()}). */
    public void writeJsonLines(Path path, long count) throws IOException {
        if (count < 0) {
            throw new IllegalArgumentException("Sample count must be >= 0, got " + count);
        }
        try (BufferedWriter out = Files.newBufferedWriter(path, StandardCharsets.UTF_8)) {
            for (long index = 0; index < count; index++) {
                out.write(generate(index).toJsonLine());
                out.write('\n');
            }
        }
    }

    /** Whether a CLI input names the sample corpus ({@code sample:...}) rather than a file. */
    public static boolean isSpec(String input) {
        return input != null && input.startsWith(SPEC_PREFIX);
    }

    /**
     * Parses the CLI input syntax {@code sample:N} and returns N.
     *
     * @throws IllegalArgumentException unless N is a positive integer in decimal digits
     */
    public static long parseSpec(String spec) {
        if (isSpec(spec)) {
            String count = spec.substring(SPEC_PREFIX.length());
            if (POSITIVE_INTEGER.matcher(count).matches()) {
                try {
                    long parsed = Long.parseLong(count);
                    if (parsed > 0) {
                        return parsed;
                    }
                } catch (NumberFormatException tooLarge) {
                    // Falls through to the common message.
                }
            }
        }
        String shown = spec == null ? "null" : "'" + spec + "'";
        throw new IllegalArgumentException(
                "Invalid sample input "
                        + shown
                        + ": expected sample:N with N a positive integer, e.g. sample:2000");
    }

    /** Built once per JVM on first use: the lexicon read and templates parsed. */
    private static final class Languages {
        private static final NoteLanguage ENGLISH;
        private static final NoteLanguage FRENCH;

        static {
            ClinicalLexicon lexicon = ClinicalLexicon.load();
            ENGLISH = NoteTemplates.english(lexicon);
            FRENCH = NoteTemplates.french(lexicon);
        }
    }
}
