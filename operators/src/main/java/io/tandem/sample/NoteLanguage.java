package io.tandem.sample;

import java.util.EnumMap;
import java.util.Map;

/** Everything language-specific the composer needs: terms, section templates and formats. */
final class NoteLanguage {
    /** Sections of a note, in the order a note presents them. */
    enum Section {
        HISTORY,
        SOCIAL,
        MEDICATION,
        VITALS,
        EXAMINATION,
        PROGRESS,
        ASSESSMENT,
        FOLLOW_UP
    }

    /**
     * A lexicon term ready to insert.
     *
     * @param partitive the French "de " or "d'" to write before it ({@code de:} slots)
     * @param doses plausible doses, for drugs
     */
    record Term(String label, String text, String partitive, String[] doses) {}

    /**
     * @param listed items go one per line (medication lists) rather than as running sentences
     */
    record SectionStyle(Template[] headers, Template[] lines, boolean listed) {}

    final String code;
    final Term[] diseases;
    final Term[] drugs;
    final Term[] symptoms;
    final String[] frequencies;

    /** Month names, January first, for dates like "17 April 2023". */
    final String[] months;

    /** Decimal separator for temperatures. */
    final char decimalSeparator;

    private final Map<Section, SectionStyle> sections;

    NoteLanguage(
            String code,
            Term[] diseases,
            Term[] drugs,
            Term[] symptoms,
            String[] frequencies,
            String[] months,
            char decimalSeparator,
            Map<Section, SectionStyle> sections) {
        this.code = code;
        this.diseases = diseases;
        this.drugs = drugs;
        this.symptoms = symptoms;
        this.frequencies = frequencies;
        this.months = months;
        this.decimalSeparator = decimalSeparator;
        this.sections = new EnumMap<>(sections);
        for (Section section : Section.values()) {
            if (!this.sections.containsKey(section)) {
                throw new IllegalStateException("Language " + code + " lacks section " + section);
            }
        }
    }

    SectionStyle section(Section section) {
        return sections.get(section);
    }

    Term[] terms(Template.Slot slot) {
        return switch (slot) {
            case DISEASE -> diseases;
            case DRUG -> drugs;
            case SYMPTOM -> symptoms;
            default -> throw new IllegalArgumentException("Not a term slot: " + slot);
        };
    }
}
