package io.tandem.ner;

import io.tandem.text.BertText;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * BERT's uncased tokenizer: basic tokenization (drop control characters, lower-case, strip accents,
 * split on whitespace and punctuation, one token per CJK ideograph), then greedy
 * longest-match-first WordPiece with {@code ##} continuations; a word longer than {@link
 * #MAX_CHARS_PER_WORD} code points, or one that cannot be covered, becomes a single {@code [UNK]}.
 *
 * <p>Normalization may change lengths (a decomposed accent disappears), so every normalized code
 * point remembers the original range it came from, and pieces report offsets into the ORIGINAL
 * text. Immutable and thread-safe.
 */
public final class WordPieceTokenizer {
    public static final int MAX_CHARS_PER_WORD = 100;

    private final WordPieceVocab vocab;

    public WordPieceTokenizer(WordPieceVocab vocab) {
        this.vocab = vocab;
    }

    public WordPieceVocab vocab() {
        return vocab;
    }

    /** Pieces of {@code text} in order. */
    public List<WordPiece> tokenize(String text) {
        List<WordPiece> pieces = new ArrayList<>();
        basicTokenize(text, word -> wordPiece(word, pieces));
        return pieces;
    }

    /** Pieces as parallel arrays (ids, starts, ends), the compact form features keep. */
    public Encoding encode(String text) {
        List<WordPiece> pieces = tokenize(text);
        int[] ids = new int[pieces.size()];
        int[] starts = new int[pieces.size()];
        int[] ends = new int[pieces.size()];
        for (int i = 0; i < ids.length; i++) {
            WordPiece piece = pieces.get(i);
            ids[i] = piece.id();
            starts[i] = piece.start();
            ends[i] = piece.end();
        }
        return new Encoding(ids, starts, ends);
    }

    /** Piece ids with their original character ranges. */
    public record Encoding(int[] ids, int[] starts, int[] ends) {
        public int size() {
            return ids.length;
        }
    }

    /** A normalized word: its code points, each with the original range it came from. */
    private static final class Word {
        int[] codePoints = new int[16];
        int[] starts = new int[16];
        int[] ends = new int[16];
        int length;

        void add(int cp, int start, int end) {
            if (length == codePoints.length) {
                codePoints = Arrays.copyOf(codePoints, length * 2);
                starts = Arrays.copyOf(starts, length * 2);
                ends = Arrays.copyOf(ends, length * 2);
            }
            codePoints[length] = cp;
            starts[length] = start;
            ends[length] = end;
            length++;
        }

        void clear() {
            length = 0;
        }
    }

    private interface WordSink {
        void accept(Word word);
    }

    private static void basicTokenize(String text, WordSink sink) {
        Word word = new Word();
        Word single = new Word();
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            int next = i + Character.charCount(cp);
            if (BertText.isWhitespace(cp)) {
                flush(word, sink);
            } else if (BertText.isDropped(cp)) {
                // BERT deletes these without splitting the word around them.
            } else if (BertText.isCjk(cp)) {
                flush(word, sink);
                emitSingle(single, cp, i, next, sink);
            } else {
                String normalized = BertText.normalize(cp);
                if (normalized.isEmpty()) {
                    // A combining mark stripped from a decomposed letter: the letter's piece
                    // still covers it in the original text.
                    if (word.length > 0) {
                        word.ends[word.length - 1] = next;
                    }
                }
                for (int j = 0; j < normalized.length(); ) {
                    int n = normalized.codePointAt(j);
                    j += Character.charCount(n);
                    if (BertText.isPunctuation(n)) {
                        flush(word, sink);
                        emitSingle(single, n, i, next, sink);
                    } else {
                        word.add(n, i, next);
                    }
                }
            }
            i = next;
        }
        flush(word, sink);
    }

    private static void flush(Word word, WordSink sink) {
        if (word.length > 0) {
            sink.accept(word);
            word.clear();
        }
    }

    private static void emitSingle(Word single, int cp, int start, int end, WordSink sink) {
        single.clear();
        single.add(cp, start, end);
        sink.accept(single);
    }

    private void wordPiece(Word word, List<WordPiece> out) {
        int wordStart = word.starts[0];
        int wordEnd = word.ends[word.length - 1];
        if (word.length > MAX_CHARS_PER_WORD) {
            out.add(new WordPiece(WordPieceVocab.UNK, vocab.unkId(), wordStart, wordEnd));
            return;
        }
        int firstPiece = out.size();
        int start = 0;
        while (start < word.length) {
            int prefixLength = start > 0 ? WordPieceVocab.CONTINUATION.length() : 0;
            int end = Math.min(word.length, start + vocab.maxTokenLength() - prefixLength);
            String found = null;
            int foundId = -1;
            while (end > start) {
                String candidate = candidate(word, start, end);
                int id = vocab.id(candidate);
                if (id >= 0) {
                    found = candidate;
                    foundId = id;
                    break;
                }
                end--;
            }
            if (found == null) {
                // As BERT: a word that cannot be covered is unknown as a whole.
                while (out.size() > firstPiece) {
                    out.remove(out.size() - 1);
                }
                out.add(new WordPiece(WordPieceVocab.UNK, vocab.unkId(), wordStart, wordEnd));
                return;
            }
            out.add(new WordPiece(found, foundId, word.starts[start], word.ends[end - 1]));
            start = end;
        }
    }

    private static String candidate(Word word, int start, int end) {
        StringBuilder text = new StringBuilder(end - start + 2);
        if (start > 0) {
            text.append(WordPieceVocab.CONTINUATION);
        }
        for (int k = start; k < end; k++) {
            text.appendCodePoint(word.codePoints[k]);
        }
        return text.toString();
    }
}
