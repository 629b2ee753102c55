package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Token;
import java.text.Normalizer.Form;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Sets each token's {@code norm}: lower-cased and with accents stripped by default. The original
 * text and offsets never change, so matches on norms still point into the original text.
 */
public final class Normalizer implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "normalizer";
    private static final Pattern COMBINING_MARKS = Pattern.compile("\\p{M}+");

    private final boolean lowercase;
    private final boolean stripAccents;

    public Normalizer() {
        this(true, true);
    }

    public Normalizer(boolean lowercase, boolean stripAccents) {
        this.lowercase = lowercase;
        this.stripAccents = stripAccents;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void process(Doc doc) {
        for (Token token : doc.tokens()) {
            token.setNorm(normalize(doc.textOf(token)));
        }
    }

    public String normalize(String text) {
        String result = lowercase ? text.toLowerCase(Locale.ROOT) : text;
        if (stripAccents) {
            result =
                    COMBINING_MARKS
                            .matcher(java.text.Normalizer.normalize(result, Form.NFD))
                            .replaceAll("");
            // Typographic apostrophes match typed ones.
            result = result.replace('\u2019', '\'');
        }
        return result;
    }
}
