package io.tandem.text;

import java.text.Normalizer;
import java.util.Locale;

/**
 * Character classes and normalization of BERT's basic (uncased) tokenizer, per code point, so that
 * both the WordPiece tokenizer and the vocabulary generator agree on what a word looks like.
 */
public final class BertText {
    private BertText() {}

    /** Space, tab, newline, carriage return or a Unicode space separator. */
    public static boolean isWhitespace(int cp) {
        return cp == ' '
                || cp == '\t'
                || cp == '\n'
                || cp == '\r'
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** Characters BERT drops: NUL, U+FFFD and control or format characters (not whitespace). */
    public static boolean isDropped(int cp) {
        if (cp == 0 || cp == 0xFFFD) {
            return true;
        }
        if (cp == '\t' || cp == '\n' || cp == '\r') {
            return false;
        }
        int type = Character.getType(cp);
        return type == Character.CONTROL
                || type == Character.FORMAT
                || type == Character.PRIVATE_USE
                || type == Character.SURROGATE
                || type == Character.UNASSIGNED;
    }

    /** All non-alphanumeric ASCII symbols, and Unicode punctuation (categories P*). */
    public static boolean isPunctuation(int cp) {
        if ((cp >= 33 && cp <= 47)
                || (cp >= 58 && cp <= 64)
                || (cp >= 91 && cp <= 96)
                || (cp >= 123 && cp <= 126)) {
            return true;
        }
        return switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION,
                    Character.DASH_PUNCTUATION,
                    Character.START_PUNCTUATION,
                    Character.END_PUNCTUATION,
                    Character.INITIAL_QUOTE_PUNCTUATION,
                    Character.FINAL_QUOTE_PUNCTUATION,
                    Character.OTHER_PUNCTUATION ->
                    true;
            default -> false;
        };
    }

    /** CJK unified ideographs, which BERT splits into one token each. */
    public static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF)
                || (cp >= 0x3400 && cp <= 0x4DBF)
                || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F)
                || (cp >= 0x2B740 && cp <= 0x2B81F)
                || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF)
                || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /**
     * One code point lower-cased, decomposed (NFD) and stripped of combining marks: {@code 'É'}
     * gives {@code "e"}, a lone combining accent gives {@code ""}, {@code 'İ'} gives {@code "i"}.
     */
    public static String normalize(int cp) {
        if (cp < 0x80) {
            // ASCII fast path: the bulk of clinical text.
            return String.valueOf((char) Character.toLowerCase(cp));
        }
        String lower = new String(Character.toChars(cp)).toLowerCase(Locale.ROOT);
        String decomposed = Normalizer.normalize(lower, Normalizer.Form.NFD);
        StringBuilder kept = new StringBuilder(decomposed.length());
        decomposed
                .codePoints()
                .filter(c -> Character.getType(c) != Character.NON_SPACING_MARK)
                .forEach(kept::appendCodePoint);
        return kept.toString();
    }

    /** {@link #normalize(int)} over a whole string. */
    public static String normalize(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.append(normalize(cp)));
        return out.toString();
    }
}
