package io.tandem.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.doc.Doc;
import io.tandem.doc.Span;
import io.tandem.hf.HfTokenizer;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ModelLocation;
import io.tandem.inference.OnnxSession;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class TinyModelTest {
    private static final String REGENERATE =
            "regenerate with ModelGenerator (see its javadoc) and commit the result";

    private final TinyModel tiny = TinyModel.create();

    @Test
    void committedModelTokenizerAndConfigAreWhatTheGeneratorWrites() {
        byte[] committedModel = ModelLocation.classpath(TinyModel.MODEL_RESOURCE).readBytes();
        assertEquals(
                ModelGenerator.sha256(tiny.onnxBytes()),
                ModelGenerator.sha256(committedModel),
                "model.onnx differs: " + REGENERATE);
        assertEquals(
                ModelGenerator.sha256(tiny.tokenizerJson()),
                ModelGenerator.sha256(
                        ModelLocation.classpath(TinyModel.TOKENIZER_RESOURCE).readBytes()),
                "tokenizer.json differs: " + REGENERATE);
        assertEquals(
                ModelGenerator.sha256(tiny.configJson()),
                ModelGenerator.sha256(
                        ModelLocation.classpath(TinyModel.CONFIG_RESOURCE).readBytes()),
                "config.json differs: " + REGENERATE);
        // Generation itself is reproducible, not only equal to one past run.
        assertEquals(
                ModelGenerator.sha256(TinyModel.create().onnxBytes()),
                ModelGenerator.sha256(tiny.onnxBytes()));
    }

    @Test
    void vocabularyStartsWithSpecialTokensAndHasNoDuplicates() {
        List<String> tokens = tiny.vocabulary().tokens();
        assertEquals(ClinicalVocabulary.SPECIAL_TOKENS, tokens.subList(0, 5));
        assertEquals(tokens.size(), new java.util.HashSet<>(tokens).size());
        assertTrue(tokens.size() > 600, "vocabulary has " + tokens.size() + " tokens");
    }

    @Test
    void everyLexiconDrugTermIsAStemThenAContinuation() {
        int drugs = 0;
        try (HfTokenizer tokenizer =
                HfTokenizer.load(ModelLocation.classpath(TinyModel.TOKENIZER_RESOURCE))) {
            for (ClinicalVocabulary.LexiconTerm term : ClinicalVocabulary.readLexicon()) {
                if (!term.label().equals("DRUG")) {
                    continue;
                }
                drugs++;
                int[] ids = tokenizer.encode(term.term()).ids();
                List<String> pieces =
                        java.util.Arrays.stream(ids)
                                .mapToObj(tiny.vocabulary().tokens()::get)
                                .toList();
                assertEquals(2, pieces.size(), term + " -> " + pieces);
                assertEquals(
                        ClinicalVocabulary.PieceLabel.DRUG_BEGIN,
                        tiny.vocabulary().label(pieces.get(0)),
                        term + " -> " + pieces);
                assertEquals(
                        ClinicalVocabulary.PieceLabel.DRUG_INSIDE,
                        tiny.vocabulary().label(pieces.get(1)),
                        term + " -> " + pieces);
            }
        }
        assertEquals(18, drugs);
    }

    @Test
    void referenceForwardLabelsEveryVocabularyPieceAsConstructed() {
        List<String> tokens = tiny.vocabulary().tokens();
        int v = tokens.size();
        long[] ids = new long[v];
        long[] mask = new long[v];
        for (int id = 0; id < v; id++) {
            ids[id] = id;
            mask[id] = 1;
        }
        float[] logits = tiny.referenceLogits(ids, mask, 1, v);
        for (int id = 0; id < v; id++) {
            int argmax = 0;
            for (int l = 1; l < 3; l++) {
                if (logits[id * 3 + l] > logits[id * 3 + argmax]) {
                    argmax = l;
                }
            }
            assertEquals(
                    tiny.vocabulary().label(tokens.get(id)).ordinal(),
                    argmax,
                    "piece '" + tokens.get(id) + "'");
        }
    }

    @Test
    void onnxRuntimeMatchesTheJavaReferenceOnRealBatches() throws Exception {
        OnnxTokenClassifier classifier =
                OnnxTokenClassifier.builder().maxLength(24).stride(6).build();
        List<String> texts =
                List.of(
                        "Started metformin 500 mg and aspirin.",
                        "Traitement par insuline et paracétamol.",
                        "Patient with type 2 diabetes and hypertension, on lisinopril 10 mg daily"
                                + " and atorvastatin 40 mg; warfarin was stopped last week after a"
                                + " fall. Denies chest pain, fever or cough.",
                        "Antécédents : asthme, sous salbutamol. Fièvre à 39 °C, toux, dyspnée.",
                        "",
                        "Ibuprofène 400 mg x3/j pendant 5 jours; amoxicilline 1 g.");
        List<TokenClassifierFeatures> features = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            features.add(classifier.preprocess(new Doc("d" + i, texts.get(i), i, null, null)));
        }
        TensorMap batch = classifier.collate(features);
        Tensor ids = batch.get("input_ids");
        int rows = (int) ids.dim(0);
        int sequence = (int) ids.dim(1);
        assertTrue(rows > texts.size(), "the long text must need several windows");
        float[] expected =
                tiny.referenceLogits(
                        ids.longs(), batch.get("attention_mask").longs(), rows, sequence);
        try (OnnxSession session =
                OnnxSession.open(
                        ModelLocation.classpath(TinyModel.MODEL_RESOURCE), ForwardContext.cpu(1))) {
            Tensor logits = session.forward(batch).get("logits");
            assertEquals(List.of((long) rows, (long) sequence, 3L), List.of(boxed(logits.shape())));
            float[] actual = logits.floats();
            double maxDiff = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
            }
            System.out.printf(
                    "tiny model: ORT vs Java max abs diff %.3g over %d logits%n",
                    maxDiff, expected.length);
            assertTrue(maxDiff < 1e-4, "max abs diff " + maxDiff);
        }
    }

    @Test
    void rulesTermsOfTheLexiconGetNoModelEntity() throws Exception {
        OnnxTokenClassifier classifier = OnnxTokenClassifier.tiny();
        List<Doc> docs = new ArrayList<>();
        for (ClinicalVocabulary.LexiconTerm term : ClinicalVocabulary.readLexicon()) {
            if (!term.label().equals("DRUG")) {
                docs.add(new Doc(term.term(), "Le patient a " + term.term() + ".", 0, null, null));
            }
        }
        List<TokenClassifierFeatures> features = docs.stream().map(classifier::preprocess).toList();
        try (var runner = classifier.openForward(ForwardContext.cpu(1))) {
            classifier.postprocess(docs, features, runner.forward(classifier.collate(features)));
        }
        for (Doc doc : docs) {
            assertEquals(List.<Span>of(), doc.entities(), doc.text());
        }
    }

    private static Long[] boxed(long[] values) {
        Long[] out = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = values[i];
        }
        return out;
    }
}
