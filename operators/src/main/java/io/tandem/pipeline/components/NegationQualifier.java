package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.Span;
import io.tandem.doc.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Sets the attribute {@code negated} on every entity: true when it starts inside the scope of a
 * negation cue, false otherwise. A cue ("no", "denies", "pas de", "absence de", ...) opens a scope
 * that runs forward within its sentence for at most {@code maxScopeTokens} tokens, and stops at a
 * terminator ("but", "mais", ";", ...). A post-cue ("ruled out", "éliminé") negates the entity that
 * ends just before it. Cues are matched on normalized tokens, like terms.
 */
public final class NegationQualifier implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "negation";
    public static final String ATTRIBUTE = "negated";

    public static final Map<String, List<String>> DEFAULT_CUES =
            Map.of(
                    "en",
                    List.of(
                            "no",
                            "not",
                            "without",
                            "denies",
                            "denied",
                            "deny",
                            "negative for",
                            "absence of",
                            "free of",
                            "no sign of",
                            "no signs of",
                            "no evidence of",
                            "never",
                            "nor",
                            "neither"),
                    "fr",
                    List.of(
                            "pas de",
                            "pas d'",
                            "sans",
                            "absence de",
                            "absence d'",
                            "aucun",
                            "aucune",
                            "ni",
                            "non",
                            "nie",
                            "négatif pour",
                            "négative pour",
                            "jamais",
                            "ne présente pas",
                            "pas"));

    public static final Map<String, List<String>> DEFAULT_POST_CUES =
            Map.of(
                    "en", List.of("ruled out", "was ruled out", "was excluded", "excluded"),
                    "fr", List.of("éliminé", "éliminée", "exclu", "exclue", "écarté", "écartée"));

    public static final List<String> DEFAULT_TERMINATORS =
            List.of(
                    "but",
                    "however",
                    "although",
                    "except",
                    "yet",
                    "mais",
                    "cependant",
                    "toutefois",
                    "sauf",
                    "pourtant",
                    ";");

    public static final int DEFAULT_MAX_SCOPE_TOKENS = 10;
    private static final int POST_CUE_WINDOW = 3;

    private final Map<String, List<String>> cues;
    private final Map<String, List<String>> postCues;
    private final List<String> terminators;
    private final int maxScopeTokens;
    private final Normalizer normalizer = new Normalizer();
    private transient TokenSequences<Boolean> cueIndex;
    private transient TokenSequences<Boolean> postCueIndex;
    private transient Set<String> terminatorNorms;

    public NegationQualifier(
            Map<String, List<String>> cues,
            Map<String, List<String>> postCues,
            List<String> terminators,
            int maxScopeTokens) {
        if (maxScopeTokens < 1) {
            throw new IllegalArgumentException(
                    "max_scope_tokens must be a positive integer, got " + maxScopeTokens);
        }
        this.cues = new LinkedHashMap<>(cues);
        this.postCues = new LinkedHashMap<>(postCues);
        this.terminators = List.copyOf(terminators);
        this.maxScopeTokens = maxScopeTokens;
    }

    /** The default English and/or French cues. */
    public static NegationQualifier forLanguages(List<String> languages) {
        Map<String, List<String>> cues = new LinkedHashMap<>();
        Map<String, List<String>> post = new LinkedHashMap<>();
        for (String language : languages) {
            if (!DEFAULT_CUES.containsKey(language)) {
                throw new IllegalArgumentException(
                        "No default negation cues for language '"
                                + language
                                + "'; expected one of [en, fr]");
            }
            cues.put(language, DEFAULT_CUES.get(language));
            post.put(language, DEFAULT_POST_CUES.get(language));
        }
        return new NegationQualifier(cues, post, DEFAULT_TERMINATORS, DEFAULT_MAX_SCOPE_TOKENS);
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void open() {
        cueIndex = index(cues);
        postCueIndex = index(postCues);
        Set<String> norms = new java.util.HashSet<>();
        terminators.forEach(t -> norms.add(normalizer.normalize(t)));
        terminatorNorms = norms;
    }

    private TokenSequences<Boolean> index(Map<String, List<String>> phrases) {
        TokenSequences<Boolean> index = new TokenSequences<>();
        phrases.values().forEach(list -> list.forEach(p -> index.add(p, normalizer, Boolean.TRUE)));
        return index;
    }

    @Override
    public void process(Doc doc) {
        if (cueIndex == null) {
            open();
        }
        List<Token> tokens = doc.tokens();
        boolean[] negatedToken = new boolean[tokens.size()];
        List<int[]> postCueStarts = new ArrayList<>();
        for (Sentence sentence : doc.sentences()) {
            for (int i = sentence.tokenStart(); i < sentence.tokenEnd(); ) {
                TokenSequences.Match<Boolean> cue = cueIndex.longestAt(tokens, i);
                if (cue != null) {
                    int scopeEnd = Math.min(sentence.tokenEnd(), i + cue.length() + maxScopeTokens);
                    for (int k = i + cue.length(); k < scopeEnd; k++) {
                        if (terminatorNorms.contains(tokens.get(k).norm())) {
                            break;
                        }
                        negatedToken[k] = true;
                    }
                    i += cue.length();
                    continue;
                }
                TokenSequences.Match<Boolean> post = postCueIndex.longestAt(tokens, i);
                if (post != null) {
                    postCueStarts.add(new int[] {sentence.tokenStart(), i});
                    i += post.length();
                    continue;
                }
                i++;
            }
        }
        for (Span entity : doc.entities()) {
            int first = firstTokenAtOrAfter(tokens, entity.start());
            boolean negated = first < tokens.size() && negatedToken[first];
            int last = firstTokenAtOrAfter(tokens, entity.end()) - 1;
            for (int[] post : postCueStarts) {
                // The entity ends in the post-cue's sentence, at most a few tokens before it.
                negated |= last >= post[0] && last < post[1] && post[1] - last <= POST_CUE_WINDOW;
            }
            entity.attributes().put(ATTRIBUTE, negated);
        }
    }

    private static int firstTokenAtOrAfter(List<Token> tokens, int offset) {
        int lo = 0;
        int hi = tokens.size();
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (tokens.get(mid).start() < offset) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
