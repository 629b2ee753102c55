package io.tandem.sample;

import java.util.ArrayList;
import java.util.List;

/**
 * A sentence, list item or section header with slots, parsed once so generation only appends.
 *
 * <p>Slots are written in braces: {@code {DISEASE}}, {@code {DRUG}}, {@code {SYMPTOM}} insert a
 * lexicon term; a leading {@code !} ({@code {!SYMPTOM}}) marks it negated, and a leading {@code
 * de:} ({@code {de:!SYMPTOM}}) writes the French partitive before it, elided to {@code d'} before a
 * vowel or mute h. Other slots: {@code {DOSE}} (of the last drug), {@code {FREQ}}, {@code {DATE}},
 * {@code {AGE}}, {@code {COUNT}}, {@code {BP}}, {@code {HR}}, {@code {TEMP}}, {@code {SPO2}},
 * {@code {RR}}, {@code {WEIGHT}}, {@code {HEIGHT}}. {@code {He|She}} picks by the patient's sex.
 */
final class Template {
    enum Slot {
        LITERAL,
        /** Male or female wording, by the patient's sex. */
        SEXED,
        DISEASE,
        DRUG,
        SYMPTOM,
        DOSE,
        FREQUENCY,
        DATE,
        AGE,
        COUNT,
        BLOOD_PRESSURE,
        HEART_RATE,
        TEMPERATURE,
        SATURATION,
        RESPIRATORY_RATE,
        WEIGHT,
        HEIGHT;

        boolean isTerm() {
            return this == DISEASE || this == DRUG || this == SYMPTOM;
        }
    }

    /**
     * One piece of a template: literal text, or a slot with its flags.
     *
     * @param literal the text of a literal, or the male wording of a sexed slot
     * @param femaleLiteral the female wording of a sexed slot
     */
    record Part(
            Slot slot, String literal, String femaleLiteral, boolean negated, boolean partitive) {}

    final String source;
    final Part[] parts;

    private Template(String source, Part[] parts) {
        this.source = source;
        this.parts = parts;
    }

    static Template parse(String source) {
        List<Part> parts = new ArrayList<>();
        int position = 0;
        while (position < source.length()) {
            int open = source.indexOf('{', position);
            if (open < 0) {
                parts.add(literal(source.substring(position)));
                break;
            }
            if (open > position) {
                parts.add(literal(source.substring(position, open)));
            }
            int close = source.indexOf('}', open);
            if (close < 0) {
                throw new IllegalArgumentException("Unclosed slot in template: " + source);
            }
            parts.add(slot(source, source.substring(open + 1, close)));
            position = close + 1;
        }
        // A term opening a sentence would be capitalized and no longer match the lexicon.
        if (!parts.isEmpty() && parts.get(0).slot().isTerm()) {
            throw new IllegalArgumentException("Template must not start with a term: " + source);
        }
        return new Template(source, parts.toArray(Part[]::new));
    }

    private static Part literal(String text) {
        return new Part(Slot.LITERAL, text, null, false, false);
    }

    private static Part slot(String source, String spec) {
        int bar = spec.indexOf('|');
        if (bar >= 0) {
            return new Part(
                    Slot.SEXED, spec.substring(0, bar), spec.substring(bar + 1), false, false);
        }
        boolean partitive = spec.startsWith("de:");
        String rest = partitive ? spec.substring(3) : spec;
        boolean negated = rest.startsWith("!");
        String name = negated ? rest.substring(1) : rest;
        Slot slot =
                switch (name) {
                    case "DISEASE" -> Slot.DISEASE;
                    case "DRUG" -> Slot.DRUG;
                    case "SYMPTOM" -> Slot.SYMPTOM;
                    case "DOSE" -> Slot.DOSE;
                    case "FREQ" -> Slot.FREQUENCY;
                    case "DATE" -> Slot.DATE;
                    case "AGE" -> Slot.AGE;
                    case "COUNT" -> Slot.COUNT;
                    case "BP" -> Slot.BLOOD_PRESSURE;
                    case "HR" -> Slot.HEART_RATE;
                    case "TEMP" -> Slot.TEMPERATURE;
                    case "SPO2" -> Slot.SATURATION;
                    case "RR" -> Slot.RESPIRATORY_RATE;
                    case "WEIGHT" -> Slot.WEIGHT;
                    case "HEIGHT" -> Slot.HEIGHT;
                    default ->
                            throw new IllegalArgumentException(
                                    "Unknown slot {" + spec + "} in template: " + source);
                };
        if ((negated || partitive) && !slot.isTerm()) {
            throw new IllegalArgumentException(
                    "Only term slots take '!' or 'de:', got {" + spec + "} in: " + source);
        }
        return new Part(slot, null, null, negated, partitive);
    }
}
