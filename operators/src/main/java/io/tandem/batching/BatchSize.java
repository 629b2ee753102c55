package io.tandem.batching;

import java.io.Serializable;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A batch size expression as edsnlp writes it: {@code 32 docs}, {@code 2000 words} or {@code 8000
 * padded_words} (longest document in the batch times documents in the batch).
 */
public record BatchSize(int limit, Unit unit) implements Serializable {

    public enum Unit {
        DOCS("docs"),
        WORDS("words"),
        PADDED_WORDS("padded_words");

        private final String spelling;

        Unit(String spelling) {
            this.spelling = spelling;
        }

        public String spelling() {
            return spelling;
        }
    }

    private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d+)\\s*([a-z_]+)\\s*");

    public BatchSize {
        if (limit <= 0) {
            throw new IllegalArgumentException("Batch size must be positive, got " + limit);
        }
    }

    public static BatchSize parse(String expression) {
        Matcher m = SYNTAX.matcher(expression.toLowerCase(Locale.ROOT));
        if (m.matches()) {
            for (Unit unit : Unit.values()) {
                if (unit.spelling.equals(m.group(2))) {
                    try {
                        int limit = Integer.parseInt(m.group(1));
                        if (limit > 0) {
                            return new BatchSize(limit, unit);
                        }
                    } catch (NumberFormatException tooLarge) {
                        // reported below
                    }
                    break;
                }
            }
        }
        throw new IllegalArgumentException(
                "'"
                        + expression
                        + "' is not a batch size; expected '<positive integer>"
                        + " docs|words|padded_words', e.g. '32 docs'");
    }

    /** Cost of a batch of {@code docs} documents whose longest has {@code maxWords} words. */
    long cost(int docs, long words, int maxWords) {
        return switch (unit) {
            case DOCS -> docs;
            case WORDS -> words;
            case PADDED_WORDS -> (long) maxWords * docs;
        };
    }

    @Override
    public String toString() {
        return limit + " " + unit.spelling;
    }
}
