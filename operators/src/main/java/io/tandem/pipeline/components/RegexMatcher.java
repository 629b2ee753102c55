package io.tandem.pipeline.components;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.doc.Token;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Labels the matches of Java regular expressions over the original text. With {@code snapToTokens}
 * a match is widened to whole tokens, and dropped if it covers none.
 */
public final class RegexMatcher implements PipelineComponent {
    private static final long serialVersionUID = 1L;
    public static final String NAME = "regex";
    public static final String SOURCE = "regex";

    private final Map<String, List<String>> patternsByLabel;
    private final boolean snapToTokens;
    private transient List<Map.Entry<String, Pattern>> compiled;

    public RegexMatcher(Map<String, List<String>> patternsByLabel, boolean snapToTokens) {
        if (patternsByLabel.isEmpty()) {
            throw new IllegalArgumentException("Component 'regex' has no patterns");
        }
        this.patternsByLabel = new LinkedHashMap<>(patternsByLabel);
        this.snapToTokens = snapToTokens;
        compile(); // fail at configuration time on a bad pattern
    }

    /** The labels of the entities it makes. */
    public Set<String> labels() {
        return patternsByLabel.keySet();
    }

    private List<Map.Entry<String, Pattern>> compile() {
        List<Map.Entry<String, Pattern>> result = new ArrayList<>();
        patternsByLabel.forEach(
                (label, patterns) -> {
                    for (String pattern : patterns) {
                        try {
                            result.add(Map.entry(label, Pattern.compile(pattern)));
                        } catch (PatternSyntaxException e) {
                            throw new IllegalArgumentException(
                                    "Invalid pattern for label '"
                                            + label
                                            + "': '"
                                            + pattern
                                            + "' ("
                                            + e.getDescription()
                                            + ")");
                        }
                    }
                });
        return result;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void open() {
        compiled = compile();
    }

    @Override
    public void process(Doc doc) {
        if (compiled == null) {
            open();
        }
        for (Map.Entry<String, Pattern> entry : compiled) {
            Matcher m = entry.getValue().matcher(doc.text());
            while (m.find()) {
                if (m.end() == m.start()) {
                    continue;
                }
                int start = m.start();
                int end = m.end();
                if (snapToTokens) {
                    int[] snapped = snap(doc.tokens(), start, end);
                    if (snapped == null) {
                        continue;
                    }
                    start = snapped[0];
                    end = snapped[1];
                }
                doc.entities().add(new Span(start, end, entry.getKey(), SOURCE));
            }
        }
    }

    /** The smallest token-aligned range covering [start, end), or null if no token overlaps. */
    static int[] snap(List<Token> tokens, int start, int end) {
        int first = -1;
        int last = -1;
        for (int i = 0; i < tokens.size(); i++) {
            Token t = tokens.get(i);
            if (t.end() > start && t.start() < end) {
                if (first < 0) {
                    first = i;
                }
                last = i;
            } else if (t.start() >= end) {
                break;
            }
        }
        return first < 0 ? null : new int[] {tokens.get(first).start(), tokens.get(last).end()};
    }
}
