package io.tandem.models;

import io.tandem.text.BertText;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The project's BERT-style uncased vocabulary, built from the clinical lexicon and fixed word lists
 * (no download), in a deterministic order:
 *
 * <ol>
 *   <li>{@code [PAD]}=0, {@code [UNK]}, {@code [CLS]}, {@code [SEP]}, {@code [MASK]};
 *   <li>single characters (letters, digits, punctuation, a few symbols), then the same as {@code
 *       ##} continuations (punctuation never continues a word);
 *   <li>common suffix continuations ({@code ##s}, {@code ##tion}, ...);
 *   <li>whole words, sorted: the lexicon's DISEASE and SYMPTOM words and a few hundred common
 *       English and French clinical and general words, all lower-cased and accent-stripped;
 *   <li>drug pieces: each DRUG term is split into a drug-specific stem and one {@code ##}
 *       continuation, as real BERT vocabularies split rare drug names, so that the tiny model has
 *       both {@code B-DRUG} (stem) and {@code I-DRUG} (continuation) pieces to label. An English
 *       and a French form share their stem ({@code metf ##ormin}, {@code metf ##ormine}).
 * </ol>
 */
public final class ClinicalVocabulary {
    public static final String LEXICON_RESOURCE = "io/tandem/lexicon/clinical-terms.tsv";
    public static final List<String> SPECIAL_TOKENS =
            List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]");

    /** The piece label the tiny model learns by construction. */
    public enum PieceLabel {
        OUTSIDE,
        DRUG_BEGIN,
        DRUG_INSIDE
    }

    /** Letters that do not decompose under NFD, and symbols common in clinical notes. */
    private static final String EXTRA_CHARACTERS = "œæßøµμ°€£±×";

    private static final List<String> SUFFIXES =
            List.of(
                    "##s",
                    "##es",
                    "##ed",
                    "##ing",
                    "##ly",
                    "##er",
                    "##ers",
                    "##ion",
                    "##ions",
                    "##tion",
                    "##tions",
                    "##ment",
                    "##ments",
                    "##ness",
                    "##al",
                    "##ic",
                    "##ique",
                    "##iques",
                    "##ite",
                    "##ites",
                    "##ose",
                    "##oses",
                    "##ie",
                    "##ies",
                    "##ement",
                    "##eur",
                    "##eurs",
                    "##euse",
                    "##ant",
                    "##ante",
                    "##ants",
                    "##able",
                    "##ible",
                    "##ous",
                    "##eux",
                    "##ive",
                    "##if",
                    "##ine",
                    "##ines",
                    "##ia",
                    "##emia",
                    "##itis",
                    "##ome",
                    "##omes",
                    "##ologie",
                    "##ology",
                    "##ee",
                    "##ees",
                    "##e");

    /** Common English and French words of clinical notes, with accents as written. */
    private static final String GENERAL_WORDS =
            """
            a about above after again against all also an and any are as at be because been
            before being below between both but by can could day days did do does done down
            during each every few for from further had has have having he her here him his how
            i if in into is it its more most my no nor not now of off on once only or other our
            out over own same she should so some such than that the their them then there these
            they this those through to too under until up very was we were what when where which
            while who why will with would you your yes
            patient patients history admitted admission discharge discharged presented presents
            complains complaint denies reports reported noted started start starting stopped
            continued continue increased decreased dose doses daily twice once weekly tablet
            tablets oral orally intravenous iv prescribed given taking takes took treatment
            treated therapy medication medications drug drugs allergy allergies blood pressure
            heart rate temperature pain chest breath shortness severe mild moderate acute chronic
            left right upper lower examination exam normal abnormal test tests results result
            lab labs level levels glucose sugar kidney lung liver renal cardiac pulmonary
            follow up visit clinic hospital emergency department doctor nurse physician family
            mother father son daughter wife husband year years old male female man woman age
            week weeks month months hour hours morning evening night mg ml kg g mmhg bpm units
            unit dl per since ago new recent recently worsening improved improving stable
            symptoms symptom diagnosis diagnosed risk factors smoking alcohol weight loss gain
            nausea vomiting diarrhea headache dizziness rash swelling infection insurance
            insufficiency insufficient aspiration aspirate inside instead instance
            control controlled plan assessment note notes signs sign positive negative
            le la les l de du des d un une et ou en au aux avec sans pour par sur sous dans
            chez est sont a ont été etait être avoir fait il elle ils elles on nous vous je
            ce cet cette ces son sa ses leur leurs qui que qu ne pas plus moins très bien
            patient patiente patients antécédents antecedent hospitalisé hospitalisation
            admis admission sortie consultation examen clinique traitement traitements
            traité débuté début arrêté arrêt poursuite poursuivi introduit introduction
            prescrit prescription posologie comprimé comprimés gélule gélules voie orale
            intraveineuse jour jours semaine semaines mois an ans heure heures matin soir
            fois par dose doses prise prises allergie allergies médicament médicaments
            tension artérielle fréquence cardiaque température douleur douleurs thoracique
            essoufflement sévère modérée légère aiguë chronique gauche droite bilan biologique
            normal normale anormal résultats glycémie sucre rein reins poumon foie rénale
            cardiaque pulmonaire suivi rendez vous hôpital urgences service médecin infirmière
            mère père fils fille épouse mari âge âgé âgée homme femme perte poids prise
            nausées vomissements diarrhée céphalées vertiges éruption œdème infection
            depuis récent récemment aggravation amélioration stable symptômes diagnostic
            risque facteurs tabac alcool contrôle plan conclusion signes positif négatif
            """;

    private final List<String> tokens;
    private final Map<String, PieceLabel> labels;

    private ClinicalVocabulary(List<String> tokens, Map<String, PieceLabel> labels) {
        this.tokens = Collections.unmodifiableList(tokens);
        this.labels = Collections.unmodifiableMap(labels);
    }

    /** Builds the vocabulary from the lexicon on the classpath. */
    public static ClinicalVocabulary build() {
        List<LexiconTerm> lexicon = readLexicon();
        Set<String> vocab = new LinkedHashSet<>(SPECIAL_TOKENS);
        List<String> characters = new ArrayList<>();
        for (char c = 33; c <= 126; c++) {
            if (!Character.isUpperCase(c)) {
                characters.add(String.valueOf(c));
            }
        }
        EXTRA_CHARACTERS.codePoints().forEach(cp -> characters.add(Character.toString(cp)));
        characters.addAll(List.of("«", "»", "’", "–", "—"));
        vocab.addAll(characters);
        for (String character : characters) {
            if (!BertText.isPunctuation(character.codePointAt(0))) {
                vocab.add("##" + character);
            }
        }
        vocab.addAll(SUFFIXES);

        TreeSet<String> words = new TreeSet<>();
        for (String word : GENERAL_WORDS.split("\\s+")) {
            if (!word.isBlank()) {
                words.add(BertText.normalize(word));
            }
        }
        for (LexiconTerm term : lexicon) {
            if (!term.label().equals("DRUG")) {
                for (String word : BertText.normalize(term.term()).split("[^\\p{L}\\p{N}]+")) {
                    if (!word.isEmpty()) {
                        words.add(word);
                    }
                }
            }
        }

        // Drug stems and continuations, in lexicon order; a later form reuses an earlier stem.
        Map<String, PieceLabel> labels = new LinkedHashMap<>();
        List<String> stems = new ArrayList<>();
        for (LexiconTerm term : lexicon) {
            if (!term.label().equals("DRUG")) {
                continue;
            }
            String drug = BertText.normalize(term.term());
            if (words.contains(drug)) {
                throw new IllegalStateException(
                        "Drug '" + drug + "' is also a whole word of the vocabulary");
            }
            String stem = null;
            for (String known : stems) {
                if (drug.startsWith(known) && drug.length() > known.length()) {
                    stem = known;
                }
            }
            if (stem == null) {
                stem = drug.substring(0, Math.max(4, drug.length() / 2));
                stems.add(stem);
            }
            labels.put(stem, PieceLabel.DRUG_BEGIN);
            labels.put("##" + drug.substring(stem.length()), PieceLabel.DRUG_INSIDE);
        }
        vocab.addAll(words);
        for (String piece : labels.keySet()) {
            if (!vocab.add(piece)) {
                throw new IllegalStateException(
                        "Drug piece '" + piece + "' is already a general vocabulary token");
            }
        }
        return new ClinicalVocabulary(new ArrayList<>(vocab), labels);
    }

    /** Tokens in id order. */
    public List<String> tokens() {
        return tokens;
    }

    /** The label of a piece; everything but drug pieces is outside. */
    public PieceLabel label(String piece) {
        return labels.getOrDefault(piece, PieceLabel.OUTSIDE);
    }

    /** Drug pieces and their labels, in vocabulary order. */
    public Map<String, PieceLabel> drugPieces() {
        return labels;
    }

    /** {@code vocab.txt} content: one token per line, UTF-8, newline-terminated. */
    public byte[] vocabTxt() {
        return (String.join("\n", tokens) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** One line of the lexicon: label, language, term. */
    public record LexiconTerm(String label, String language, String term) {}

    /** The lexicon's terms in file order. */
    public static List<LexiconTerm> readLexicon() {
        InputStream in =
                ClinicalVocabulary.class.getClassLoader().getResourceAsStream(LEXICON_RESOURCE);
        if (in == null) {
            throw new IllegalStateException("Lexicon resource not found: " + LEXICON_RESOURCE);
        }
        List<LexiconTerm> terms = new ArrayList<>();
        try (BufferedReader reader =
                new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            int lineNumber = 0;
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lineNumber++;
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                String[] fields = line.split("\t");
                if (fields.length != 3) {
                    throw new IllegalStateException(
                            LEXICON_RESOURCE
                                    + ":"
                                    + lineNumber
                                    + ": expected label<TAB>lang<TAB>term, got '"
                                    + line
                                    + "'");
                }
                terms.add(new LexiconTerm(fields[0].strip(), fields[1].strip(), fields[2].strip()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + LEXICON_RESOURCE, e);
        }
        return terms;
    }
}
