package io.tandem.doc;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInfo;

/**
 * A document flowing through the pipeline. Components add tokens, sentences and entities in place;
 * every offset indexes the original {@link #text()}, which never changes.
 *
 * <p>{@code seq} is the global sequence number the source assigned (input order); it drives
 * deterministic output order. {@code metaJson} is the input's optional {@code meta} object kept as
 * JSON text and echoed to the output.
 */
@TypeInfo(DocTypeInfoFactory.class)
public final class Doc {
    private final String id;
    private final String text;
    private final long seq;
    private final SourcePosition source;
    private final String metaJson;
    // What components change; DocState captures and restores each of them.
    private final List<Token> tokens = new ArrayList<>();
    private final List<Sentence> sentences = new ArrayList<>();
    private final List<Span> entities = new ArrayList<>();
    private final Map<String, float[]> vectors = new LinkedHashMap<>();
    private final Map<String, Object> attributes = new LinkedHashMap<>();

    public Doc(String id, String text, long seq, SourcePosition source, String metaJson) {
        this.id = Objects.requireNonNull(id, "id");
        this.text = Objects.requireNonNull(text, "text");
        this.seq = seq;
        this.source = source;
        this.metaJson = metaJson;
    }

    public String id() {
        return id;
    }

    public String text() {
        return text;
    }

    public long seq() {
        return seq;
    }

    /** May be null for documents built in code. */
    public SourcePosition source() {
        return source;
    }

    /** The input's {@code meta} object as JSON text, or null when absent. */
    public String metaJson() {
        return metaJson;
    }

    public List<Token> tokens() {
        return tokens;
    }

    public List<Sentence> sentences() {
        return sentences;
    }

    public List<Span> entities() {
        return entities;
    }

    /** Document vectors by the name of the component that computed them (embeddings). */
    public Map<String, float[]> vectors() {
        return vectors;
    }

    /**
     * Document attributes by name (a document classifier's label and score), values as {@link
     * Span#attributes()}'.
     */
    public Map<String, Object> attributes() {
        return attributes;
    }

    /** The original text a token covers. */
    public String textOf(Token token) {
        return text.substring(token.start(), token.end());
    }

    /** The original text a span covers. */
    public String textOf(Span span) {
        return text.substring(span.start(), span.end());
    }

    /** Number of word tokens, the unit of {@code words} batching. */
    public int wordCount() {
        return tokens.size();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Doc d
                && d.id.equals(id)
                && d.text.equals(text)
                && d.seq == seq
                && Objects.equals(d.source, source)
                && Objects.equals(d.metaJson, metaJson)
                && d.tokens.equals(tokens)
                && d.sentences.equals(sentences)
                && d.entities.equals(entities)
                && sameVectors(d.vectors, vectors)
                && d.attributes.equals(attributes);
    }

    private static boolean sameVectors(Map<String, float[]> a, Map<String, float[]> b) {
        return a.keySet().equals(b.keySet())
                && a.entrySet().stream()
                        .allMatch(e -> Arrays.equals(e.getValue(), b.get(e.getKey())));
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, seq);
    }

    @Override
    public String toString() {
        return "Doc{id="
                + id
                + ", seq="
                + seq
                + ", chars="
                + text.length()
                + ", entities="
                + entities
                + "}";
    }
}
