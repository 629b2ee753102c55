package io.tandem.sample;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.LocalDate;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The ground truth of the generated notes: offsets, lexicon terms, dates, and negation framing that
 * a term matcher and a negation qualifier can rely on.
 */
class SampleCorpusContentTest {
    private static final int DOCS = 3000;

    private static final Set<String> NEGATION_CUES =
            Set.of(
                    "no",
                    "not",
                    "denies",
                    "denied",
                    "without",
                    "negative",
                    "never",
                    "none",
                    "absence",
                    "pas",
                    "sans",
                    "ni",
                    "aucun",
                    "aucune",
                    "non",
                    "négatif",
                    "négative",
                    "jamais");

    /** Words and punctuation that end a negation's scope. */
    private static final Set<String> SCOPE_TERMINATORS =
            Set.of(
                    "but",
                    "however",
                    "although",
                    "though",
                    "except",
                    "yet",
                    "mais",
                    "cependant",
                    "néanmoins",
                    "pourtant",
                    "toutefois",
                    "sauf",
                    "hormis",
                    "excepté",
                    "malgré",
                    ",",
                    ";",
                    ":");

    private static final int MAX_WORDS_FROM_CUE = 5;

    /** Word tokens, and the punctuation that can end a scope. */
    private static final Pattern TOKEN = Pattern.compile("[\\p{L}\\p{N}]+|[,;:]");

    /** A sentence ends at a line break or at . ! ? followed by whitespace. */
    private static final Pattern SENTENCE_END = Pattern.compile("\\n|[.!?](?=\\s)");

    private static List<SampleDoc> docs;
    private static ClinicalLexicon lexicon;

    @BeforeAll
    static void generate() {
        SampleCorpus corpus = new SampleCorpus();
        docs = new ArrayList<>();
        for (int i = 0; i < DOCS; i++) {
            docs.add(corpus.generate(i));
        }
        lexicon = ClinicalLexicon.load();
    }

    @Test
    void mentionOffsetsPointAtExactlyTheMentionText() {
        for (SampleDoc doc : docs) {
            int previousEnd = 0;
            for (SampleMention mention : doc.mentions()) {
                assertEquals(
                        mention.text(),
                        doc.text().substring(mention.start(), mention.end()),
                        doc.id() + " " + mention);
                assertTrue(mention.start() >= previousEnd, "ordered, disjoint: " + doc.id());
                previousEnd = mention.end();
            }
        }
    }

    @Test
    void termMentionsAreLexiconTermsOfTheDocumentLanguage() {
        Set<String> labelsSeen = new HashSet<>();
        for (SampleDoc doc : docs) {
            for (SampleMention mention : doc.mentions()) {
                labelsSeen.add(mention.label());
                if (mention.label().equals(SampleMention.DATE)) {
                    continue;
                }
                assertTrue(
                        lexicon.terms(doc.language(), mention.label()).contains(mention.text()),
                        doc.id() + " " + mention);
            }
        }
        assertEquals(Set.of("DISEASE", "DRUG", "SYMPTOM", "DATE"), labelsSeen);
    }

    @Test
    void dateMentionsAreValidDatesInTheDocumentedFormats() {
        Map<String, DateTimeFormatter> longFormats =
                Map.of(
                        "en", DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.ENGLISH),
                        "fr", DateTimeFormatter.ofPattern("d MMMM uuuu", Locale.FRENCH));
        int dates = 0;
        for (SampleDoc doc : docs) {
            for (SampleMention mention : doc.mentions()) {
                if (!mention.label().equals(SampleMention.DATE)) {
                    continue;
                }
                dates++;
                assertFalse(mention.negated());
                String text = mention.text();
                try {
                    LocalDate date;
                    if (text.matches("\\d{4}-\\d{2}-\\d{2}")) {
                        date = LocalDate.parse(text);
                    } else if (text.matches("\\d{2}/\\d{2}/\\d{4}")) {
                        date = LocalDate.parse(text, DateTimeFormatter.ofPattern("dd/MM/uuuu"));
                    } else {
                        date = LocalDate.parse(text, longFormats.get(doc.language()));
                    }
                    assertTrue(
                            date.getYear() >= 2015 && date.getYear() <= 2030,
                            doc.id() + " " + text);
                } catch (DateTimeParseException e) {
                    fail(doc.id() + ": not a date in a documented format: " + text);
                }
            }
        }
        assertTrue(dates > DOCS, "dates: " + dates);
    }

    /** Filler text must not contain terms the ground truth does not list. */
    @Test
    void everyLexiconTermInTheTextIsInsideAMention() {
        List<String> allTerms =
                lexicon.all().values().stream()
                        .flatMap(byLabel -> byLabel.values().stream())
                        .flatMap(List::stream)
                        .distinct()
                        .sorted(Comparator.comparingInt(String::length).reversed())
                        .toList();
        Pattern anyTerm =
                Pattern.compile(
                        "(?<![\\p{L}\\p{N}])("
                                + allTerms.stream()
                                        .map(Pattern::quote)
                                        .collect(Collectors.joining("|"))
                                + ")(?![\\p{L}\\p{N}])",
                        Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
        for (SampleDoc doc : docs) {
            List<SampleMention> mentions = doc.mentions();
            int[] starts = mentions.stream().mapToInt(SampleMention::start).toArray();
            Matcher matcher = anyTerm.matcher(doc.text());
            while (matcher.find()) {
                // Mentions are ordered and disjoint: only the last one starting at or before
                // the match can cover it.
                int candidate = floorIndex(starts, matcher.start());
                boolean covered = candidate >= 0 && matcher.end() <= mentions.get(candidate).end();
                assertTrue(covered, doc.id() + ": '" + matcher.group() + "' at " + matcher.start());
            }
        }
    }

    @Test
    void negatedTermsFollowACueCloselyAndAffirmedTermsFollowNone() {
        for (SampleDoc doc : docs) {
            int[] sentenceStarts = sentenceStarts(doc.text());
            for (SampleMention mention : doc.mentions()) {
                if (mention.label().equals(SampleMention.DATE)) {
                    continue;
                }
                int sentenceStart = sentenceStarts[floorIndex(sentenceStarts, mention.start())];
                List<String> before = tokens(doc.text().substring(sentenceStart, mention.start()));
                int cue = lastCue(before);
                String where = doc.id() + " " + mention + " after " + before;
                if (!mention.negated()) {
                    assertEquals(-1, cue, "affirmed term after a negation cue: " + where);
                    continue;
                }
                assertTrue(cue >= 0, "negated term without cue: " + where);
                List<String> between = before.subList(cue + 1, before.size());
                assertTrue(between.size() <= MAX_WORDS_FROM_CUE, "cue too far: " + where);
                for (String token : between) {
                    assertFalse(SCOPE_TERMINATORS.contains(token), "scope ended: " + where);
                }
            }
        }
    }

    @Test
    void bothLanguagesHaveNegatedAndAffirmedTermsOfEveryLabel() {
        Map<String, Set<String>> negated = new HashMap<>();
        Map<String, Set<String>> affirmed = new HashMap<>();
        for (SampleDoc doc : docs) {
            for (SampleMention mention : doc.mentions()) {
                if (mention.label().equals(SampleMention.DATE)) {
                    continue;
                }
                (mention.negated() ? negated : affirmed)
                        .computeIfAbsent(doc.language(), language -> new HashSet<>())
                        .add(mention.label());
            }
        }
        Set<String> labels = Set.of("DISEASE", "DRUG", "SYMPTOM");
        for (String language : List.of("en", "fr")) {
            assertEquals(labels, negated.get(language), "negated labels in " + language);
            assertEquals(labels, affirmed.get(language), "affirmed labels in " + language);
        }
    }

    @Test
    void frenchPartitiveIsElidedBeforeVowels() {
        Pattern wrong = Pattern.compile("\\bde [aeiouyhéèêàâîôû]", Pattern.UNICODE_CASE);
        for (SampleDoc doc : docs) {
            if (!doc.language().equals("fr")) {
                continue;
            }
            for (SampleMention mention : doc.mentions()) {
                int from = Math.max(0, mention.start() - 3);
                String context = doc.text().substring(from, mention.end());
                assertFalse(wrong.matcher(context).find(), doc.id() + ": " + context);
            }
        }
    }

    /** Offsets where sentences start: 0, and after each line break or sentence end. */
    private static int[] sentenceStarts(String text) {
        List<Integer> starts = new ArrayList<>(List.of(0));
        Matcher end = SENTENCE_END.matcher(text);
        while (end.find()) {
            starts.add(end.end());
        }
        return starts.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Index of the last value {@code <= key} in an ascending array of distinct values, or -1. */
    private static int floorIndex(int[] ascending, int key) {
        int found = Arrays.binarySearch(ascending, key);
        return found >= 0 ? found : -found - 2;
    }

    /** Lower-cased word tokens and scope-ending punctuation. */
    private static List<String> tokens(String text) {
        List<String> tokens = new ArrayList<>();
        Matcher token = TOKEN.matcher(text);
        while (token.find()) {
            tokens.add(token.group().toLowerCase(Locale.ROOT));
        }
        return tokens;
    }

    private static int lastCue(List<String> tokens) {
        for (int i = tokens.size() - 1; i >= 0; i--) {
            if (NEGATION_CUES.contains(tokens.get(i))) {
                return i;
            }
        }
        return -1;
    }
}
