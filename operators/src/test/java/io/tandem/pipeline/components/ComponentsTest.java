package io.tandem.pipeline.components;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.Span;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each rule-based component on real clinical sentences, with exact offsets. */
class ComponentsTest {
    private static Doc doc(String text) {
        Doc doc = new Doc("t", text, 0, null, null);
        new Tokenizer().process(doc);
        new SentenceSegmenter().process(doc);
        new Normalizer().process(doc);
        return doc;
    }

    private static List<String> sentences(Doc doc) {
        return doc.sentences().stream().map(s -> doc.text().substring(s.start(), s.end())).toList();
    }

    private static List<String> entities(Doc doc) {
        return doc.entities().stream()
                .map(
                        s ->
                                s.label()
                                        + ":"
                                        + doc.textOf(s)
                                        + "@"
                                        + s.start()
                                        + (s.attributes().isEmpty()
                                                ? ""
                                                : s.attributes().toString()))
                .toList();
    }

    @Test
    void sentencesSplitOnPunctuationAndLinesButNotAbbreviationsOrDecimals() {
        Doc doc =
                doc(
                        "Seen by Dr. Martin today, e.g. for 3.5 mg dosing. No fever!\nPlan: follow-up? Yes");
        assertEquals(
                List.of(
                        "Seen by Dr. Martin today, e.g. for 3.5 mg dosing.",
                        "No fever!",
                        "Plan: follow-up?",
                        "Yes"),
                sentences(doc));
        Sentence first = doc.sentences().get(0);
        assertEquals(0, first.tokenStart());
        assertEquals(doc.tokens().size(), doc.sentences().get(3).tokenEnd());
    }

    @Test
    void sentencesNeedTokens() {
        Doc doc = new Doc("t", "Some text.", 0, null, null);
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class, () -> new SentenceSegmenter().process(doc));
        assertEquals(
                "Component 'sentences' found no tokens in a non-empty text: put 'tokenizer' before it",
                e.getMessage());
    }

    @Test
    void normalizerLowercasesAndStripsAccentsKeepingTheText() {
        Doc doc = doc("Insuffisance Rénale");
        assertEquals(
                List.of("insuffisance", "renale"),
                doc.tokens().stream().map(t -> t.norm()).toList());
        assertEquals("Insuffisance Rénale", doc.text());
        assertEquals("Renale", new Normalizer(false, true).normalize("Rénale"));
        assertEquals("rénale", new Normalizer(true, false).normalize("Rénale"));
    }

    @Test
    void termsMatchMultiWordLongestFirstOnNorms() {
        Doc doc = doc("History of Type 2 Diabetes and insuffisance rénale chronique; diabetes.");
        TermMatcher terms =
                new TermMatcher(
                        Map.of(
                                "DISEASE",
                                List.of(
                                        "diabetes",
                                        "type 2 diabetes",
                                        "insuffisance rénale chronique",
                                        "insuffisance rénale")),
                        new Normalizer());
        terms.process(doc);
        assertEquals(
                List.of(
                        "DISEASE:Type 2 Diabetes@11",
                        "DISEASE:insuffisance rénale chronique@31",
                        "DISEASE:diabetes@62"),
                entities(doc));
        assertEquals("terms", doc.entities().get(0).source());
    }

    @Test
    void lexiconFiltersByLabelAndLanguage() {
        Map<String, List<String>> fr =
                TermMatcher.readLexicon(
                        "classpath:io/tandem/lexicon/clinical-terms.tsv",
                        Set.of("DRUG"),
                        Set.of("fr"));
        assertEquals(Set.of("DRUG"), fr.keySet());
        assertEquals(true, fr.get("DRUG").contains("paracétamol"));
        assertEquals(false, fr.get("DRUG").contains("metformin"));
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TermMatcher.readLexicon("classpath:nope.tsv", Set.of(), Set.of()));
        assertEquals("Lexicon resource 'nope.tsv' not found on the classpath", e.getMessage());
    }

    @Test
    void aLexiconsConceptIdColumnBecomesTheEntitysConceptIdAttribute(@TempDir Path folder)
            throws IOException {
        Path lexicon = folder.resolve("terms.tsv");
        Files.writeString(
                lexicon,
                "DISEASE\ten\tdiabetes\t201826\nDISEASE\ten\tasthma\nDRUG\ten\tmetformin\t1503297\n");
        String location = lexicon.toString();
        TermMatcher terms =
                new TermMatcher(
                        TermMatcher.readLexicon(location, Set.of(), Set.of()),
                        TermMatcher.readConceptIds(location, Set.of(), Set.of()),
                        new Normalizer());
        Doc doc = doc("Diabetes and asthma, on metformin.");
        terms.process(doc);
        assertEquals(
                List.of(
                        "DISEASE:Diabetes@0{concept_id=201826}",
                        "DISEASE:asthma@13",
                        "DRUG:metformin@24{concept_id=1503297}"),
                entities(doc));

        Files.writeString(lexicon, "DISEASE\ten\tdiabetes\tC0011849\n");
        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> TermMatcher.readConceptIds(location, Set.of(), Set.of()));
        assertEquals(
                "Lexicon " + location + " line 1: concept_id 'C0011849' is not an integer",
                e.getMessage());
    }

    @Test
    void regexSnapsToTokensAndRejectsBadPatterns() {
        Doc doc = doc("Seen 2019-03-14 and 14/03/2019.");
        new RegexMatcher(
                        Map.of("DATE", List.of("\\d{4}-\\d{2}-\\d{2}", "\\d{1,2}/\\d{1,2}/\\d{4}")),
                        true)
                .process(doc);
        assertEquals(List.of("DATE:2019-03-14@5", "DATE:14/03/2019@20"), entities(doc));

        Doc partial = doc("dose 500mg");
        new RegexMatcher(Map.of("DOSE", List.of("\\d+")), true).process(partial);
        assertEquals(List.of("DOSE:500mg@5"), entities(partial));

        IllegalArgumentException e =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new RegexMatcher(Map.of("DATE", List.of("(\\d+")), true));
        assertEquals("Invalid pattern for label 'DATE': '(\\d+' (Unclosed group)", e.getMessage());
    }

    @Test
    void negationInEnglish() {
        Doc doc =
                doc(
                        "Patient denies chest pain but reports fever. No asthma, no cough. Pneumonia was ruled out. Known anemia.");
        new TermMatcher(
                        Map.of(
                                "SYMPTOM",
                                List.of("chest pain", "fever", "cough"),
                                "DISEASE",
                                List.of("asthma", "pneumonia", "anemia")),
                        new Normalizer())
                .process(doc);
        NegationQualifier.forLanguages(List.of("en", "fr")).process(doc);
        assertEquals(
                List.of(
                        "SYMPTOM:chest pain@15{negated=true}",
                        "SYMPTOM:fever@38{negated=false}",
                        "DISEASE:asthma@48{negated=true}",
                        "SYMPTOM:cough@59{negated=true}",
                        "DISEASE:Pneumonia@66{negated=true}",
                        "DISEASE:anemia@97{negated=false}"),
                entities(doc));
    }

    @Test
    void negationInFrench() {
        Doc doc =
                doc(
                        "Pas de fièvre ni de toux. Antécédent d'insuffisance cardiaque. Absence d'asthme mais dyspnée.");
        new TermMatcher(
                        Map.of(
                                "SYMPTOM",
                                List.of("fièvre", "toux", "dyspnée"),
                                "DISEASE",
                                List.of("insuffisance cardiaque", "asthme")),
                        new Normalizer())
                .process(doc);
        NegationQualifier.forLanguages(List.of("fr")).process(doc);
        assertEquals(
                List.of(
                        "SYMPTOM:fièvre@7{negated=true}",
                        "SYMPTOM:toux@20{negated=true}",
                        "DISEASE:insuffisance cardiaque@39{negated=false}",
                        "DISEASE:asthme@73{negated=true}",
                        "SYMPTOM:dyspnée@85{negated=false}"),
                entities(doc));
    }

    @Test
    void negationScopeIsBoundedInTokens() {
        Doc doc =
                doc(
                        "No recent travel, contacts, pets, surgery or any other worrying history of fever.");
        new TermMatcher(Map.of("SYMPTOM", List.of("fever")), new Normalizer()).process(doc);
        new NegationQualifier(Map.of("en", List.of("no")), Map.of(), List.of(), 5).process(doc);
        Span fever = doc.entities().get(0);
        assertEquals(false, fever.attributes().get("negated"));
    }
}
