package io.tandem.sample;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.doc.Doc;
import io.tandem.doc.SourcePosition;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Objects;

/**
 * One generated clinical note and the ground truth of what the generator put in it.
 *
 * @param index position in the corpus; the id is {@code "sample-" + index}
 * @param language {@code "en"} or {@code "fr"}
 * @param text the note; sections are separated by blank lines
 * @param mentions inserted lexicon terms and dates, in text order
 */
public record SampleDoc(long index, String language, String text, List<SampleMention> mentions) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public SampleDoc {
        Objects.requireNonNull(language, "language");
        Objects.requireNonNull(text, "text");
        mentions = List.copyOf(mentions);
    }

    /**
     * This note as the parser makes it from line {@code index + 1} of a file named {@code sample}:
     * not yet annotated.
     */
    public Doc toDoc() {
        return new Doc(id(), text, index, SourcePosition.fileLine("sample", index + 1), metaJson());
    }

    public String id() {
        return "sample-" + index;
    }

    /** Number of whitespace-separated words, the unit of the corpus's length distribution. */
    public int wordCount() {
        return countWords(text);
    }

    /**
     * The note as one JSON object without a trailing newline: {@code {"id": ..., "text": ...,
     * "meta": {"lang": ..., "sample_index": ...}}}, the input format of the pipeline.
     */
    public String toJsonLine() {
        StringWriter out = new StringWriter(text.length() + 96);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", id());
            json.writeStringField("text", text);
            json.writeFieldName("meta");
            writeMeta(json);
            json.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** The {@code meta} object of {@link #toJsonLine()} on its own, as JSON text. */
    public String metaJson() {
        StringWriter out = new StringWriter(48);
        try (JsonGenerator json = JSON.createGenerator(out)) {
            writeMeta(json);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    private void writeMeta(JsonGenerator json) throws IOException {
        json.writeStartObject();
        json.writeStringField("lang", language);
        json.writeNumberField("sample_index", index);
        json.writeEndObject();
    }

    static int countWords(CharSequence text) {
        return countWords(text, 0);
    }

    /** Counts words starting at {@code from}, treating the character before it as whitespace. */
    static int countWords(CharSequence text, int from) {
        int words = 0;
        boolean inWord = false;
        for (int i = from, n = text.length(); i < n; i++) {
            boolean whitespace = Character.isWhitespace(text.charAt(i));
            if (!whitespace && !inWord) {
                words++;
            }
            inWord = !whitespace;
        }
        return words;
    }
}
