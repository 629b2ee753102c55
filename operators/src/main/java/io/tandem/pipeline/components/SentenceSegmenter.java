package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.Token;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Groups tokens into sentences: a sentence ends after '.', '!' or '?' (but not after a common
 * abbreviation such as "Dr." or an initial such as the "g" of "e.g.") and at a line break. Every
 * token belongs to exactly one sentence.
 */
public final class SentenceSegmenter implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "sentences";

    private static final Set<String> ABBREVIATIONS =
            Set.of(
                    "dr", "mr", "mrs", "ms", "vs", "st", "etc", "cf", "approx", "pr", "mme", "mlle",
                    "fig", "nb", "pt");

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void process(Doc doc) {
        List<Token> tokens = doc.tokens();
        if (tokens.isEmpty() && !doc.text().isBlank()) {
            throw new IllegalStateException(
                    "Component 'sentences' found no tokens in a non-empty text: put 'tokenizer'"
                            + " before it");
        }
        doc.sentences().clear();
        int first = 0;
        for (int i = 0; i < tokens.size(); i++) {
            boolean last = i == tokens.size() - 1;
            if (last || endsSentence(doc, i)) {
                doc.sentences()
                        .add(
                                new Sentence(
                                        first,
                                        i + 1,
                                        tokens.get(first).start(),
                                        tokens.get(i).end()));
                first = i + 1;
            }
        }
    }

    private static boolean endsSentence(Doc doc, int i) {
        List<Token> tokens = doc.tokens();
        String text = doc.textOf(tokens.get(i));
        Token next = tokens.get(i + 1);
        if (doc.text().substring(tokens.get(i).end(), next.start()).indexOf('\n') >= 0) {
            return true;
        }
        if (text.equals("!") || text.equals("?")) {
            return true;
        }
        if (!text.equals(".")) {
            return false;
        }
        if (i == 0) {
            return true;
        }
        Token previous = tokens.get(i - 1);
        if (previous.end() != tokens.get(i).start()) {
            return true;
        }
        String word = doc.textOf(previous).toLowerCase(Locale.ROOT);
        boolean initial = word.length() == 1 && Character.isLetter(word.charAt(0));
        return !(ABBREVIATIONS.contains(word) || initial);
    }
}
