package io.tandem.sample;

import io.tandem.sample.NoteLanguage.Section;
import io.tandem.sample.NoteLanguage.SectionStyle;
import io.tandem.sample.NoteLanguage.Term;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;

/** Writes one note from its own random stream; single use. */
final class NoteComposer {
    /** A note's first date falls in 2015-01-01 .. 2024-12-31 (epoch days). */
    private static final int FIRST_DAY = 16436;

    private static final int LAST_FIRST_DAY = 20088;

    /** Later dates move forward by up to this many days, so a note reads chronologically. */
    private static final int MAX_DAYS_BETWEEN_DATES = 30;

    /** Roughly the words one running sentence adds; sizes sections to the target length. */
    private static final int WORDS_PER_SENTENCE = 9;

    private final SplitMix64 random;
    private final NoteLanguage language;
    private final LengthProfile lengths;
    private final StringBuilder text = new StringBuilder(1024);
    private final List<SampleMention> mentions = new ArrayList<>();
    private final int targetWords;
    private int words;
    private boolean full;
    private Term lastDrug;
    private final boolean female;
    private int dateDay;
    private final Term[] termsInSentence = new Term[8];
    private int termsInSentenceCount;

    NoteComposer(SplitMix64 random, NoteLanguage language, LengthProfile lengths) {
        this.random = random;
        this.language = language;
        this.lengths = lengths;
        this.targetWords = drawTargetWords(random, lengths);
        this.female = random.chance(0.5);
        this.dateDay = random.nextInt(FIRST_DAY, LAST_FIRST_DAY);
    }

    /** Truncated log-normal: redraws outside [minTargetWords, maxWords] instead of clamping. */
    static int drawTargetWords(SplitMix64 random, LengthProfile lengths) {
        double mu = StrictMath.log(lengths.medianTargetWords);
        while (true) {
            double words = StrictMath.exp(mu + lengths.sigma * random.nextGaussian());
            if (words >= lengths.minTargetWords && words <= lengths.maxWords) {
                return (int) words;
            }
        }
    }

    String text() {
        return text.toString();
    }

    List<SampleMention> mentions() {
        return mentions;
    }

    NoteComposer compose() {
        // Sections grow with the target so short notes still touch several sections.
        int sentencesPerSection = Math.max(1, Math.min(6, targetWords / 45));
        writeSection(Section.HISTORY, sentencesPerSection);
        if (random.chance(0.35)) {
            writeSection(Section.SOCIAL, sentencesPerSection);
        }
        writeSection(Section.MEDICATION, sentencesPerSection);
        if (random.chance(0.5)) {
            writeSection(Section.VITALS, 1 + random.nextInt(2));
        }
        writeSection(Section.EXAMINATION, sentencesPerSection);
        // Long notes read like hospital stays: daily progress notes, then the conclusion.
        int closingWords = 2 * (3 + sentencesPerSection * WORDS_PER_SENTENCE);
        while (!full && words < targetWords - closingWords) {
            writeSection(Section.PROGRESS, random.nextInt(2, 8));
        }
        writeSection(Section.ASSESSMENT, sentencesPerSection);
        writeSection(Section.FOLLOW_UP, 1 + random.nextInt(2));
        return this;
    }

    private void writeSection(Section section, int lineCount) {
        if (full || words >= targetWords) {
            return;
        }
        SectionStyle style = language.section(section);
        int sectionStart = text.length();
        int sectionMentions = mentions.size();
        int sectionWords = words;
        if (text.length() > 0) {
            text.append("\n\n");
        }
        write(random.pick(style.headers()));
        int count = Math.max(1, lineCount + random.nextInt(3) - 1);
        Template[] written = new Template[count];
        for (int i = 0; i < count; i++) {
            // The header and its first line go together: never end a note on a bare header.
            if (i > 0 && words >= targetWords) {
                return;
            }
            int lineStart = text.length();
            int lineMentions = mentions.size();
            int lineWords = words;
            text.append(style.listed() || i == 0 ? '\n' : ' ');
            written[i] = pickUnwritten(style.lines(), written, i);
            write(written[i]);
            if (words > lengths.maxWords) {
                // Hard cap: drop the line (and a header left bare) and stop the note.
                if (i == 0) {
                    rollBack(sectionStart, sectionMentions, sectionWords);
                } else {
                    rollBack(lineStart, lineMentions, lineWords);
                }
                full = true;
                return;
            }
        }
    }

    /** A random line, redrawn (a few times) if the section already has it. */
    private Template pickUnwritten(Template[] lines, Template[] written, int writtenCount) {
        Template line = random.pick(lines);
        for (int tries = 0; tries < 4 && contains(written, writtenCount, line); tries++) {
            line = random.pick(lines);
        }
        return line;
    }

    private static <T> boolean contains(T[] items, int count, T item) {
        for (int i = 0; i < count; i++) {
            if (items[i] == item) {
                return true;
            }
        }
        return false;
    }

    private void rollBack(int length, int mentionCount, int wordCount) {
        text.setLength(length);
        mentions.subList(mentionCount, mentions.size()).clear();
        words = wordCount;
    }

    private void write(Template template) {
        int start = text.length();
        termsInSentenceCount = 0;
        for (Template.Part part : template.parts) {
            switch (part.slot()) {
                case LITERAL -> text.append(part.literal());
                case SEXED -> text.append(female ? part.femaleLiteral() : part.literal());
                case DISEASE, DRUG, SYMPTOM -> writeTerm(part);
                case DOSE -> text.append(random.pick(lastDrugDoses()));
                case FREQUENCY -> text.append(random.pick(language.frequencies));
                case DATE -> writeDate();
                case AGE -> text.append(random.nextInt(18, 95));
                case COUNT -> text.append(random.nextInt(2, 12));
                case BLOOD_PRESSURE -> {
                    int systolic = random.nextInt(10, 17) * 10;
                    int diastolic = random.nextInt(6, Math.min(10, systolic / 10 - 3)) * 10;
                    text.append(systolic).append('/').append(diastolic);
                }
                case HEART_RATE -> text.append(random.nextInt(55, 115));
                case TEMPERATURE -> {
                    int tenths = random.nextInt(360, 395);
                    text.append(tenths / 10).append(language.decimalSeparator).append(tenths % 10);
                }
                case SATURATION -> text.append(random.nextInt(88, 100));
                case RESPIRATORY_RATE -> text.append(random.nextInt(12, 26));
                case WEIGHT -> text.append(random.nextInt(45, 120));
                case HEIGHT -> text.append(random.nextInt(150, 195));
            }
        }
        words += SampleDoc.countWords(text, start);
    }

    private void writeTerm(Template.Part part) {
        Term[] pool = language.terms(part.slot());
        Term term = random.pick(pool);
        // "no fever or fever" reads wrong: redraw a term already used in this sentence.
        for (int tries = 0;
                tries < 4 && contains(termsInSentence, termsInSentenceCount, term);
                tries++) {
            term = random.pick(pool);
        }
        if (termsInSentenceCount < termsInSentence.length) {
            termsInSentence[termsInSentenceCount++] = term;
        }
        if (part.partitive()) {
            text.append(term.partitive());
        }
        int start = text.length();
        text.append(term.text());
        mentions.add(
                new SampleMention(term.label(), term.text(), start, text.length(), part.negated()));
        if (part.slot() == Template.Slot.DRUG) {
            lastDrug = term;
        }
    }

    private String[] lastDrugDoses() {
        return lastDrug != null ? lastDrug.doses() : language.drugs[0].doses();
    }

    private void writeDate() {
        LocalDate date = LocalDate.ofEpochDay(dateDay);
        dateDay += random.nextInt(1, MAX_DAYS_BETWEEN_DATES);
        int year = date.getYear();
        int month = date.getMonthValue();
        int day = date.getDayOfMonth();
        int start = text.length();
        switch (random.nextInt(3)) {
            case 0 -> {
                text.append(year).append('-');
                twoDigits(month).append('-');
                twoDigits(day);
            }
            case 1 -> {
                twoDigits(day).append('/');
                twoDigits(month).append('/').append(year);
            }
            default ->
                    text.append(day)
                            .append(' ')
                            .append(language.months[month - 1])
                            .append(' ')
                            .append(year);
        }
        mentions.add(
                new SampleMention(
                        SampleMention.DATE, text.substring(start), start, text.length(), false));
    }

    private StringBuilder twoDigits(int value) {
        if (value < 10) {
            text.append('0');
        }
        return text.append(value);
    }
}
