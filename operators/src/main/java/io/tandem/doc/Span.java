package io.tandem.doc;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An entity: a labelled character range {@code [start, end)} of the original text, with attributes
 * set by qualifiers (for example {@code negated}). Attribute values are Boolean, String, Integer,
 * Long or Double, or a type of the user's registered with {@link
 * io.tandem.doc.AttributeTypes#register}.
 */
public final class Span {
    private final int start;
    private final int end;
    private final String label;
    private final String source;
    private final Map<String, Object> attributes;

    /**
     * @param source which component produced the span (for example {@code "terms"}, {@code "regex"}
     *     or {@code "ner"}), used to merge rule-based and model entities.
     */
    public Span(int start, int end, String label, String source) {
        this(start, end, label, source, new LinkedHashMap<>());
    }

    public Span(int start, int end, String label, String source, Map<String, Object> attributes) {
        if (start < 0 || end <= start) {
            throw new IllegalArgumentException(
                    "Span offsets must satisfy 0 <= start < end, got [" + start + ", " + end + ")");
        }
        this.start = start;
        this.end = end;
        this.label = Objects.requireNonNull(label, "label");
        this.source = Objects.requireNonNull(source, "source");
        this.attributes = new LinkedHashMap<>(attributes);
    }

    public int start() {
        return start;
    }

    public int end() {
        return end;
    }

    public String label() {
        return label;
    }

    public String source() {
        return source;
    }

    /** Mutable: qualifiers set attributes in place. */
    public Map<String, Object> attributes() {
        return attributes;
    }

    public boolean overlaps(Span other) {
        return start < other.end && other.start < end;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Span s
                && s.start == start
                && s.end == end
                && s.label.equals(label)
                && s.source.equals(source)
                && s.attributes.equals(attributes);
    }

    @Override
    public int hashCode() {
        return Objects.hash(start, end, label, source, attributes);
    }

    @Override
    public String toString() {
        return "Span[" + start + "," + end + ")" + label + "/" + source + attributes;
    }
}
