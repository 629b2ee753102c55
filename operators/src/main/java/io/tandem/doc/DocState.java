package io.tandem.doc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a component may change on a {@link Doc}, copied so that it can be put back exactly: the
 * tokens and their norms, the sentences and the entities in their order with each one's attributes,
 * the vectors with their contents, and the document's attributes. A failed model postprocess is
 * undone with it before its documents are retried, whatever it did (appended, sorted, replaced,
 * changed in place).
 *
 * <p>The copy is shallow where the document is immutable: the text, tokens' offsets, spans' offsets
 * and labels, and attribute values are shared, so capturing costs a few lists and maps per
 * document, plus its vectors' arrays.
 */
public final class DocState {
    private final Doc doc;
    private final List<Token> tokens;
    private final String[] norms;
    private final List<Sentence> sentences;
    private final List<Map<String, Object>> sentenceAttributes;
    private final List<Span> entities;
    private final List<Map<String, Object>> attributes;
    private final Map<String, float[]> vectors;
    private final Map<String, float[]> vectorValues;
    private final Map<String, Object> docAttributes;

    private DocState(Doc doc) {
        this.doc = doc;
        this.tokens = new ArrayList<>(doc.tokens());
        this.norms = new String[tokens.size()];
        for (int i = 0; i < norms.length; i++) {
            norms[i] = tokens.get(i).norm();
        }
        this.sentences = new ArrayList<>(doc.sentences());
        this.sentenceAttributes = new ArrayList<>(sentences.size());
        for (Sentence sentence : sentences) {
            sentenceAttributes.add(new LinkedHashMap<>(sentence.attributes()));
        }
        this.entities = new ArrayList<>(doc.entities());
        this.attributes = new ArrayList<>(entities.size());
        for (Span span : entities) {
            attributes.add(new LinkedHashMap<>(span.attributes()));
        }
        this.vectors = new LinkedHashMap<>(doc.vectors());
        this.vectorValues = new LinkedHashMap<>();
        vectors.forEach((name, vector) -> vectorValues.put(name, vector.clone()));
        this.docAttributes = new LinkedHashMap<>(doc.attributes());
    }

    /** The state of {@code doc} now. */
    public static DocState capture(Doc doc) {
        return new DocState(doc);
    }

    /**
     * Puts the document back as it was when captured: the same token, span and vector objects, with
     * the norms, attributes and vector values they had then. May be called more than once.
     */
    public void restore() {
        replace(doc.tokens(), tokens);
        for (int i = 0; i < norms.length; i++) {
            tokens.get(i).setNorm(norms[i]);
        }
        replace(doc.sentences(), sentences);
        for (int i = 0; i < sentences.size(); i++) {
            Map<String, Object> live = sentences.get(i).attributes();
            live.clear();
            live.putAll(sentenceAttributes.get(i));
        }
        replace(doc.entities(), entities);
        for (int i = 0; i < entities.size(); i++) {
            Map<String, Object> live = entities.get(i).attributes();
            live.clear();
            live.putAll(attributes.get(i));
        }
        doc.vectors().clear();
        vectors.forEach(
                (name, vector) -> {
                    float[] values = vectorValues.get(name);
                    System.arraycopy(values, 0, vector, 0, values.length);
                    doc.vectors().put(name, vector);
                });
        doc.attributes().clear();
        doc.attributes().putAll(docAttributes);
    }

    private static <T> void replace(List<T> live, List<T> saved) {
        live.clear();
        live.addAll(saved);
    }
}
