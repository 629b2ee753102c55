package io.tandem.doc;

import java.util.Objects;

/**
 * A word or punctuation token. {@code start} and {@code end} are character offsets into the
 * original text of its {@link Doc}; {@code norm} is the normalized form (set by the normalizer,
 * else the raw text).
 */
public final class Token {
    private final int start;
    private final int end;
    private String norm;

    public Token(int start, int end, String norm) {
        if (start < 0 || end < start) {
            throw new IllegalArgumentException(
                    "Token offsets must satisfy 0 <= start <= end, got ["
                            + start
                            + ", "
                            + end
                            + ")");
        }
        this.start = start;
        this.end = end;
        this.norm = norm;
    }

    public int start() {
        return start;
    }

    public int end() {
        return end;
    }

    public String norm() {
        return norm;
    }

    public void setNorm(String norm) {
        this.norm = norm;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Token t
                && t.start == start
                && t.end == end
                && Objects.equals(t.norm, norm);
    }

    @Override
    public int hashCode() {
        return Objects.hash(start, end, norm);
    }

    @Override
    public String toString() {
        return "Token[" + start + "," + end + ")" + norm;
    }
}
