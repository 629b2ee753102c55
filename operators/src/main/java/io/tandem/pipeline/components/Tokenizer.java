package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Token;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Splits text into words and punctuation with character offsets. A word is a run of letters, digits
 * and combining marks, kept whole across an inner hyphen ("anti-inflammatory"), an inner decimal
 * point or comma between digits ("3.5", "2,5") and an inner apostrophe ("don't"); French elisions
 * are split after the apostrophe ("l'asthme" gives "l'" and "asthme"). Every other non-space
 * character is a token of its own. Surrogate pairs stay whole.
 */
public final class Tokenizer implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "tokenizer";

    private static final Set<String> ELISIONS =
            Set.of("l", "d", "j", "m", "n", "s", "t", "c", "qu", "jusqu", "lorsqu", "puisqu");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void process(Doc doc) {
        doc.tokens().clear();
        doc.tokens().addAll(tokenize(doc.text()));
    }

    /** Tokens of {@code text}, with {@code norm} set to the raw text. */
    public static List<Token> tokenize(String text) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        int n = text.length();
        while (i < n) {
            int cp = text.codePointAt(i);
            if (Character.isWhitespace(cp) || Character.isSpaceChar(cp)) {
                i += Character.charCount(cp);
                continue;
            }
            if (!isWordChar(cp)) {
                int end = i + Character.charCount(cp);
                tokens.add(new Token(i, end, text.substring(i, end)));
                i = end;
                continue;
            }
            int start = i;
            int end = i + Character.charCount(cp);
            while (end < n) {
                int next = text.codePointAt(end);
                if (isWordChar(next)) {
                    end += Character.charCount(next);
                } else if (isApostrophe(next) && isElision(text.substring(start, end))) {
                    end += 1;
                    break;
                } else if (isJoiner(text, end)) {
                    end += 1;
                } else {
                    break;
                }
            }
            tokens.add(new Token(start, end, text.substring(start, end)));
            i = end;
        }
        return tokens;
    }

    /** A hyphen, apostrophe, or a decimal separator between digits, inside a word. */
    private static boolean isJoiner(String text, int at) {
        if (at + 1 >= text.length()) {
            return false;
        }
        char c = text.charAt(at);
        int before = text.codePointBefore(at);
        int after = text.codePointAt(at + 1);
        if (!isWordChar(after)) {
            return false;
        }
        if (c == '-' || isApostrophe(c)) {
            return true;
        }
        return (c == '.' || c == ',') && Character.isDigit(before) && Character.isDigit(after);
    }

    private static boolean isApostrophe(int c) {
        return c == '\'' || c == '\u2019';
    }

    private static boolean isElision(String word) {
        return ELISIONS.contains(word.toLowerCase(Locale.ROOT));
    }

    private static boolean isWordChar(int cp) {
        return Character.isLetterOrDigit(cp)
                || Character.getType(cp) == Character.NON_SPACING_MARK
                || Character.getType(cp) == Character.COMBINING_SPACING_MARK;
    }
}
