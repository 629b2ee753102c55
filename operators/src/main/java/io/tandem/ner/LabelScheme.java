package io.tandem.ner;

import java.io.Serializable;

/**
 * One label of a token-classification head, in any of the usual schemes: {@code O}; BIO ({@code
 * B-X}, {@code I-X}); BIOES ({@code E-X} ends, {@code S-X} is a single-word entity) and its BILOU
 * spelling ({@code L-X}, {@code U-X}); IO; or a plain label ({@code DRUG}), which, like {@code
 * I-X}, continues an entity of the same type. {@code _} may replace {@code -}.
 */
record LabelScheme(Position position, String type) implements Serializable {

    enum Position {
        OUTSIDE,
        BEGIN,
        INSIDE,
        END,
        SINGLE
    }

    static LabelScheme parse(String label) {
        if (label.equals("O")) {
            return new LabelScheme(Position.OUTSIDE, null);
        }
        if (label.length() > 2 && (label.charAt(1) == '-' || label.charAt(1) == '_')) {
            String type = label.substring(2);
            switch (label.charAt(0)) {
                case 'B':
                    return new LabelScheme(Position.BEGIN, type);
                case 'I':
                    return new LabelScheme(Position.INSIDE, type);
                case 'E':
                case 'L':
                    return new LabelScheme(Position.END, type);
                case 'S':
                case 'U':
                    return new LabelScheme(Position.SINGLE, type);
                default:
                    break;
            }
        }
        return new LabelScheme(Position.INSIDE, label);
    }

    boolean isOutside() {
        return position == Position.OUTSIDE;
    }
}
