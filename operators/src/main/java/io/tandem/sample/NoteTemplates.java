package io.tandem.sample;

import io.tandem.sample.NoteLanguage.Section;
import io.tandem.sample.NoteLanguage.SectionStyle;
import io.tandem.sample.NoteLanguage.Term;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The English and French note templates.
 *
 * <p>Rules the templates keep so that the ground truth is what a reasonable pipeline should find:
 *
 * <ul>
 *   <li>a negated term follows its cue ("no", "denies", "without", "never", "pas", "sans", "ni",
 *       "absence") in the same sentence, at most a few words later, with no scope terminator
 *       ("but", "mais", comma) in between;
 *   <li>an affirmed term never follows a negation cue in its sentence;
 *   <li>no term opens a sentence (capitalization would hide it from a case-sensitive matcher);
 *   <li>filler text contains no lexicon term of either language.
 * </ul>
 *
 * Repeated lines weight the draw.
 */
final class NoteTemplates {
    private NoteTemplates() {}

    private static final String[] GENERIC_DOSES = {"5 mg", "10 mg", "20 mg", "50 mg", "100 mg"};

    /** Doses by drug (English and French names), written the English way. */
    private static final Map<String, String[]> DOSES =
            Map.ofEntries(
                    Map.entry("metformin", new String[] {"500 mg", "850 mg", "1000 mg"}),
                    Map.entry("insulin", new String[] {"6 IU", "10 IU", "14 IU", "20 IU"}),
                    Map.entry("aspirin", new String[] {"75 mg", "100 mg", "160 mg"}),
                    Map.entry("amoxicillin", new String[] {"500 mg", "1 g"}),
                    Map.entry("lisinopril", new String[] {"5 mg", "10 mg", "20 mg"}),
                    Map.entry("atorvastatin", new String[] {"10 mg", "20 mg", "40 mg", "80 mg"}),
                    Map.entry("warfarin", new String[] {"2.5 mg", "5 mg", "7.5 mg"}),
                    Map.entry("paracetamol", new String[] {"500 mg", "1 g"}),
                    Map.entry("ibuprofen", new String[] {"200 mg", "400 mg"}),
                    Map.entry("salbutamol", new String[] {"100 µg", "200 µg"}),
                    Map.entry("metformine", new String[] {"500 mg", "850 mg", "1000 mg"}),
                    Map.entry("insuline", new String[] {"6 IU", "10 IU", "14 IU", "20 IU"}),
                    Map.entry("aspirine", new String[] {"75 mg", "100 mg", "160 mg"}),
                    Map.entry("amoxicilline", new String[] {"500 mg", "1 g"}),
                    Map.entry("paracétamol", new String[] {"500 mg", "1 g"}),
                    Map.entry("ibuprofène", new String[] {"200 mg", "400 mg"}),
                    Map.entry("warfarine", new String[] {"2.5 mg", "5 mg", "7.5 mg"}),
                    Map.entry("atorvastatine", new String[] {"10 mg", "20 mg", "40 mg", "80 mg"}));

    static NoteLanguage english(ClinicalLexicon lexicon) {
        Map<Section, SectionStyle> sections = new EnumMap<>(Section.class);
        sections.put(
                Section.HISTORY,
                prose(
                        headers(
                                "History:",
                                "Past medical history:",
                                "HISTORY:",
                                "History of present illness:"),
                        "Past history of {DISEASE}.",
                        "Known {DISEASE} for {COUNT} years.",
                        "The patient has a history of {DISEASE} and {DISEASE}.",
                        "{AGE}-year-old {man|woman} with {DISEASE}, followed since {DATE}.",
                        "{AGE}-year-old {man|woman} admitted for {SYMPTOM} and {SYMPTOM}.",
                        "Diagnosed with {DISEASE} on {DATE}.",
                        "Admitted on {DATE} for worsening {SYMPTOM}.",
                        "{He|She} reports {SYMPTOM} since {DATE}.",
                        "{He|She} complains of {SYMPTOM} for the past {COUNT} days.",
                        "Referred by the general practitioner for {DISEASE}.",
                        "Family history of {DISEASE} in the father.",
                        "Recent episode of {DISEASE} treated with {DRUG}.",
                        "Seen today for follow-up of {DISEASE}.",
                        "No history of {!DISEASE}.",
                        "No known {!DISEASE}.",
                        "Denies {!SYMPTOM} or {!SYMPTOM}.",
                        "The patient denies any {!SYMPTOM}.",
                        "Negative for {!DISEASE}.",
                        "{He|She} reports {SYMPTOM} but no {!SYMPTOM}.",
                        "{He|She} has never had {!DISEASE}."));
        sections.put(
                Section.SOCIAL,
                prose(
                        headers("Social history:", "Lifestyle:"),
                        "Lives with {his wife|her husband}.",
                        "Lives alone in a flat on the second floor.",
                        "Retired teacher.",
                        "Works as an accountant.",
                        "Non-smoker.",
                        "Former smoker, quit {COUNT} years ago.",
                        "Drinks alcohol occasionally.",
                        "Independent in activities of daily living.",
                        "Walks {COUNT} km a day.",
                        "Two children, both in good health."));
        sections.put(
                Section.MEDICATION,
                list(
                        headers("Current medication:", "Medications:", "Treatment:"),
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}, started on {DATE}",
                        "- {DRUG} {DOSE} {FREQ} for {COUNT} days",
                        "- not taking {!DRUG} anymore",
                        "- allergic to {DRUG}"));
        sections.put(
                Section.VITALS,
                prose(
                        headers("Vitals:", "Vital signs:"),
                        "BP {BP} mmHg, HR {HR} bpm, SpO2 {SPO2}%.",
                        "Temperature {TEMP} °C.",
                        "Respiratory rate {RR}/min.",
                        "Weight {WEIGHT} kg, height {HEIGHT} cm."));
        sections.put(
                Section.EXAMINATION,
                prose(
                        headers("Examination:", "Physical examination:", "On examination:"),
                        "Temperature {TEMP} °C, BP {BP} mmHg, heart rate {HR} bpm.",
                        "Lungs clear to auscultation.",
                        "Heart sounds regular, no murmur.",
                        "Abdomen soft and non-tender.",
                        "Presents with {SYMPTOM} on exertion.",
                        "Mild {SYMPTOM} noted during the visit.",
                        "No {!SYMPTOM} reported.",
                        "Afebrile, without {!SYMPTOM}.",
                        "No signs of {!DISEASE}.",
                        "Oxygen saturation {SPO2}% on room air.",
                        "Calves soft, no oedema.",
                        "Neurological examination unremarkable."));
        sections.put(
                Section.PROGRESS,
                prose(
                        headers("Progress note, {DATE}:", "Day {COUNT}:"),
                        "Patient reports {SYMPTOM} overnight.",
                        "No {!SYMPTOM} today.",
                        "Temperature {TEMP} °C, heart rate {HR} bpm.",
                        "Dose of {DRUG} adjusted to {DOSE} {FREQ}.",
                        "Clinically stable.",
                        "Improvement of {SYMPTOM} with {DRUG}.",
                        "Persistent {SYMPTOM}, {DRUG} {DOSE} added.",
                        "Without {!SYMPTOM} since the last visit.",
                        "Slept well, eating normally.",
                        "Discussed with the cardiology team.",
                        "Oxygen saturation {SPO2}% on room air."));
        sections.put(
                Section.ASSESSMENT,
                prose(
                        headers("Assessment and plan:", "Plan:", "Impression:"),
                        "Probable {DISEASE}.",
                        "The {DISEASE} is well controlled.",
                        "Symptoms consistent with {DISEASE}.",
                        "Start {DRUG} {DOSE} {FREQ}.",
                        "Increase {DRUG} to {DOSE} {FREQ}.",
                        "Continue {DRUG} {DOSE} {FREQ}.",
                        "Switch from {DRUG} to {DRUG}.",
                        "Stop {DRUG} because of {SYMPTOM}.",
                        "No evidence of {!DISEASE}.",
                        "Work-up shows no sign of {!DISEASE}.",
                        "Patient informed and agrees with the plan.",
                        "Blood tests requested."));
        sections.put(
                Section.FOLLOW_UP,
                prose(
                        headers("Follow-up:", "Next steps:"),
                        "Follow-up appointment on {DATE}.",
                        "Next visit scheduled for {DATE}.",
                        "Blood tests to be repeated on {DATE}.",
                        "Review on {DATE} with the results.",
                        "Return earlier if {SYMPTOM} worsens."));
        return new NoteLanguage(
                "en",
                terms(lexicon, "en", "DISEASE"),
                terms(lexicon, "en", "DRUG"),
                terms(lexicon, "en", "SYMPTOM"),
                new String[] {
                    "once daily",
                    "twice daily",
                    "three times daily",
                    "at bedtime",
                    "in the morning",
                    "every 8 hours",
                    "as needed"
                },
                new String[] {
                    "January",
                    "February",
                    "March",
                    "April",
                    "May",
                    "June",
                    "July",
                    "August",
                    "September",
                    "October",
                    "November",
                    "December"
                },
                '.',
                sections);
    }

    static NoteLanguage french(ClinicalLexicon lexicon) {
        Map<Section, SectionStyle> sections = new EnumMap<>(Section.class);
        sections.put(
                Section.HISTORY,
                prose(
                        headers(
                                "Antécédents :",
                                "Histoire de la maladie :",
                                "ANTÉCÉDENTS :",
                                "Motif de consultation :"),
                        "Antécédents {de:DISEASE}.",
                        "{Patient|Patiente} de {AGE} ans {suivi|suivie} pour {DISEASE}.",
                        "{Patient|Patiente} de {AGE} ans {hospitalisé|hospitalisée} le {DATE} pour {SYMPTOM}.",
                        "Notion {de:DISEASE} connue depuis {COUNT} ans.",
                        "Diagnostic {de:DISEASE} posé le {DATE}.",
                        "Se plaint {de:SYMPTOM} depuis {COUNT} jours.",
                        "Consulte pour {SYMPTOM} et {SYMPTOM}.",
                        "{Adressé|Adressée} par son médecin traitant pour {DISEASE}.",
                        "Antécédents familiaux {de:DISEASE} chez la mère.",
                        "Épisode récent {de:DISEASE} traité par {DRUG}.",
                        "Vu ce jour en consultation de suivi pour {DISEASE}.",
                        "Pas {de:!DISEASE}.",
                        "Pas d'antécédent {de:!DISEASE}.",
                        "Absence {de:!DISEASE} connue.",
                        "{Le patient|La patiente} ne présente pas {de:!SYMPTOM}.",
                        "Pas {de:!SYMPTOM} ni {de:!SYMPTOM}.",
                        "Sans {!SYMPTOM} ni {!SYMPTOM}.",
                        "Se plaint {de:SYMPTOM} mais pas {de:!SYMPTOM}."));
        sections.put(
                Section.SOCIAL,
                prose(
                        headers("Mode de vie :", "Contexte social :"),
                        "Vit avec {son épouse|son époux}.",
                        "Vit {seul|seule} en appartement au deuxième étage.",
                        "{Retraité, ancien enseignant|Retraitée, ancienne enseignante}.",
                        "Travaille comme comptable.",
                        "Non {fumeur|fumeuse}.",
                        "{Ancien fumeur, sevré|Ancienne fumeuse, sevrée} depuis {COUNT} ans.",
                        "Consommation d'alcool occasionnelle.",
                        "Autonome pour les actes de la vie quotidienne.",
                        "Marche {COUNT} km par jour.",
                        "Deux enfants en bonne santé."));
        sections.put(
                Section.MEDICATION,
                list(
                        headers("Traitement habituel :", "Traitement en cours :", "Ordonnance :"),
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}",
                        "- {DRUG} {DOSE} {FREQ}, débuté le {DATE}",
                        "- {DRUG} {DOSE} {FREQ} pendant {COUNT} jours",
                        "- pas {de:!DRUG} actuellement",
                        "- allergie connue : {DRUG}"));
        sections.put(
                Section.VITALS,
                prose(
                        headers("Constantes :", "Paramètres vitaux :"),
                        "TA {BP} mmHg, FC {HR}/min, SpO2 {SPO2} %.",
                        "Température {TEMP} °C.",
                        "Fréquence respiratoire {RR}/min.",
                        "Poids {WEIGHT} kg, taille {HEIGHT} cm."));
        sections.put(
                Section.EXAMINATION,
                prose(
                        headers("Examen clinique :", "À l'examen :"),
                        "Température {TEMP} °C, TA {BP} mmHg, FC {HR}/min.",
                        "Auscultation pulmonaire claire.",
                        "Bruits du cœur réguliers, pas de souffle.",
                        "Abdomen souple, dépressible, indolore.",
                        "Présence {de:SYMPTOM} à l'effort.",
                        "Pas {de:!SYMPTOM} au repos.",
                        "Apyrétique, sans {!SYMPTOM}.",
                        "Pas de signe {de:!DISEASE}.",
                        "Saturation à {SPO2} % en air ambiant.",
                        "Mollets souples, pas d'œdème.",
                        "Examen neurologique sans particularité."));
        sections.put(
                Section.PROGRESS,
                prose(
                        headers("Évolution du {DATE} :", "J{COUNT} :"),
                        "Réapparition {de:SYMPTOM} cette nuit.",
                        "Pas {de:!SYMPTOM} ce jour.",
                        "Température {TEMP} °C, FC {HR}/min.",
                        "Adaptation de la posologie {de:DRUG} à {DOSE} {FREQ}.",
                        "Cliniquement stable.",
                        "Amélioration {de:SYMPTOM} sous {DRUG}.",
                        "Persistance {de:SYMPTOM}, ajout {de:DRUG} {DOSE}.",
                        "Sans {!SYMPTOM} depuis la dernière visite.",
                        "Bonne nuit, alimentation normale.",
                        "Avis cardiologique demandé.",
                        "Saturation à {SPO2} % en air ambiant."));
        sections.put(
                Section.ASSESSMENT,
                prose(
                        headers("Conclusion :", "Conduite à tenir :", "Synthèse :"),
                        "Suspicion {de:DISEASE}.",
                        "Tableau évocateur {de:DISEASE}.",
                        "Introduction {de:DRUG} {DOSE} {FREQ}.",
                        "Majoration {de:DRUG} à {DOSE} {FREQ}.",
                        "Poursuite {de:DRUG} {DOSE} {FREQ}.",
                        "Relais {de:DRUG} par {DRUG}.",
                        "Arrêt {de:DRUG} en raison {de:SYMPTOM}.",
                        "Absence de signe {de:!DISEASE}.",
                        "Bilan sans argument pour {!DISEASE}.",
                        "{Patient informé|Patiente informée}, accord sur la prise en charge.",
                        "Bilan biologique demandé."));
        sections.put(
                Section.FOLLOW_UP,
                prose(
                        headers("Suivi :", "Rendez-vous :"),
                        "Prochain rendez-vous le {DATE}.",
                        "Consultation de contrôle prévue le {DATE}.",
                        "Bilan sanguin à refaire le {DATE}.",
                        "Revoir {le patient|la patiente} le {DATE} avec les résultats.",
                        "Reconsulter en cas {de:SYMPTOM}."));
        return new NoteLanguage(
                "fr",
                terms(lexicon, "fr", "DISEASE"),
                terms(lexicon, "fr", "DRUG"),
                terms(lexicon, "fr", "SYMPTOM"),
                new String[] {
                    "une fois par jour",
                    "deux fois par jour",
                    "trois fois par jour",
                    "au coucher",
                    "le matin",
                    "matin et soir",
                    "toutes les 8 heures",
                    "si besoin"
                },
                new String[] {
                    "janvier",
                    "février",
                    "mars",
                    "avril",
                    "mai",
                    "juin",
                    "juillet",
                    "août",
                    "septembre",
                    "octobre",
                    "novembre",
                    "décembre"
                },
                ',',
                sections);
    }

    private static Template[] headers(String... headers) {
        return parseAll(headers);
    }

    private static SectionStyle prose(Template[] headers, String... sentences) {
        return new SectionStyle(headers, parseAll(sentences), false);
    }

    private static SectionStyle list(Template[] headers, String... items) {
        return new SectionStyle(headers, parseAll(items), true);
    }

    private static Template[] parseAll(String[] sources) {
        Template[] templates = new Template[sources.length];
        for (int i = 0; i < sources.length; i++) {
            templates[i] = Template.parse(sources[i]);
        }
        return templates;
    }

    private static Term[] terms(ClinicalLexicon lexicon, String language, String label) {
        List<String> texts = lexicon.terms(language, label);
        Term[] terms = new Term[texts.size()];
        for (int i = 0; i < terms.length; i++) {
            String text = texts.get(i);
            String[] doses =
                    localizeDoses(
                            DOSES.getOrDefault(text.toLowerCase(Locale.ROOT), GENERIC_DOSES),
                            language);
            terms[i] = new Term(label, text, partitive(text), doses);
        }
        return terms;
    }

    /** French "de", elided before a vowel or (always mute in this lexicon) h. */
    private static String partitive(String term) {
        char first = Character.toLowerCase(term.charAt(0));
        return "aeiouyhàâäéèêëîïôöùûüœ".indexOf(first) >= 0 ? "d'" : "de ";
    }

    private static String[] localizeDoses(String[] doses, String language) {
        if (!language.equals("fr")) {
            return doses;
        }
        String[] localized = new String[doses.length];
        for (int i = 0; i < doses.length; i++) {
            localized[i] = doses[i].replace('.', ',').replace("IU", "UI");
        }
        return localized;
    }
}
