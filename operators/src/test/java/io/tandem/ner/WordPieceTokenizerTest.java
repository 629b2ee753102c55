package io.tandem.ner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.inference.ModelLocation;
import io.tandem.models.TinyModel;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordPieceTokenizerTest {
    private static final WordPieceTokenizer TOKENIZER =
            new WordPieceTokenizer(
                    WordPieceVocab.load(ModelLocation.classpath(TinyModel.VOCAB_RESOURCE)));

    /** "piece@start-end=original" for each piece: pieces, offsets and what they cover at once. */
    private static List<String> described(String text) {
        List<String> out = new ArrayList<>();
        for (WordPiece piece : TOKENIZER.tokenize(text)) {
            out.add(
                    piece.text()
                            + "@"
                            + piece.start()
                            + "-"
                            + piece.end()
                            + "="
                            + text.substring(piece.start(), piece.end()));
        }
        return out;
    }

    @Test
    void englishSentenceWithDrugPiecesAndNumbers() {
        assertEquals(
                List.of(
                        "started@0-7=Started",
                        "metf@8-12=metf",
                        "##ormin@12-17=ormin",
                        "5@18-19=5",
                        "##0@19-20=0",
                        "##0@20-21=0",
                        "mg@22-24=mg",
                        "and@25-28=and",
                        "aspi@29-33=aspi",
                        "##rin@33-36=rin",
                        ".@36-37=."),
                described("Started metformin 500 mg and aspirin."));
    }

    @Test
    void frenchAccentsAreStrippedButOffsetsIndexTheOriginal() {
        assertEquals(
                List.of(
                        "traitement@0-10=Traitement",
                        "par@11-14=par",
                        "insu@15-19=insu",
                        "##line@19-23=line",
                        "et@24-26=et",
                        "parac@27-32=parac",
                        "##etamol@32-38=étamol",
                        ".@38-39=."),
                described("Traitement par insuline et paracétamol."));
    }

    @Test
    void elisionApostropheAndUnknownWordsSplitIntoCharacters() {
        assertEquals(
                List.of(
                        "le@0-2=Le",
                        "patient@3-10=patient",
                        "a@11-12=a",
                        "r@13-14=r",
                        "##e@14-15=e",
                        "##c@15-16=ç",
                        "##u@16-17=u",
                        "de@18-20=de",
                        "l@21-22=l",
                        "'@22-23='",
                        "ibup@23-27=ibup",
                        "##rofene@27-33=rofène",
                        "a@34-35=à",
                        "2@36-37=2",
                        "##0@37-38=0",
                        "##h@38-39=h",
                        ".@39-40=."),
                described("Le patient a reçu de l'ibuprofène à 20h."));
    }

    @Test
    void decomposedAccentsStayInsideTheirPiece() {
        // "été fièvre" written with combining accents (NFD): each word stays one piece.
        String text = "e\u0301te\u0301 fie\u0300vre";
        assertEquals(
                List.of("ete@0-5=e\u0301te\u0301", "fievre@6-13=fie\u0300vre"), described(text));
    }

    @Test
    void precomposedSymptomWordStaysWhole() {
        assertEquals(
                List.of("douleur@0-7=Douleur", "thoracique@8-18=thoracique", ",@18-19=,"),
                described("Douleur thoracique,"));
    }

    @Test
    void punctuationSplitsAndWhitespaceAndControlCharactersDisappear() {
        assertEquals(
                List.of(
                        "(@0-1=(",
                        "fever@1-6=fever",
                        ")@6-7=)",
                        "-@7-8=-",
                        "cough@10-16=cO\u0000ugh",
                        "!@16-17=!"),
                described("(fever)-\t\ncO\u0000ugh!"));
    }

    @Test
    void cjkIdeographsAreSeparateWords() {
        assertEquals(
                List.of("[UNK]@0-1=中", "[UNK]@1-2=文", "a@2-3=a", "##b@3-4=b", "##c@4-5=c"),
                described("中文abc"));
    }

    @Test
    void overlongWordIsOneUnknownPiece() {
        String word = "a".repeat(WordPieceTokenizer.MAX_CHARS_PER_WORD + 1);
        assertEquals(List.of("[UNK]@1-102=" + word), described(" " + word + " "));
        String longest = "a".repeat(WordPieceTokenizer.MAX_CHARS_PER_WORD);
        assertEquals(WordPieceTokenizer.MAX_CHARS_PER_WORD, TOKENIZER.tokenize(longest).size());
    }

    @Test
    void wordThatCannotBeCoveredIsUnknownAsAWhole() {
        // '☃' is no vocabulary piece, so the whole word is unknown.
        assertEquals(List.of("[UNK]@0-5=ab☃cd"), described("ab☃cd"));
    }

    @Test
    void encodingMatchesPieces() {
        String text = "Toux et fièvre depuis 3 jours.";
        WordPieceTokenizer.Encoding encoding = TOKENIZER.encode(text);
        List<WordPiece> pieces = TOKENIZER.tokenize(text);
        assertEquals(pieces.size(), encoding.size());
        for (int i = 0; i < pieces.size(); i++) {
            assertEquals(pieces.get(i).id(), encoding.ids()[i]);
            assertEquals(pieces.get(i).start(), encoding.starts()[i]);
            assertEquals(pieces.get(i).end(), encoding.ends()[i]);
        }
    }

    @Test
    void emptyAndBlankTextHaveNoPieces() {
        assertEquals(List.of(), TOKENIZER.tokenize(""));
        assertEquals(List.of(), TOKENIZER.tokenize(" \n\t "));
    }

    @Test
    void vocabularyRejectsMissingSpecialsAndDuplicates() {
        IllegalArgumentException missing =
                assertThrows(
                        IllegalArgumentException.class,
                        () -> new WordPieceVocab(List.of("[PAD]", "[UNK]", "[CLS]")));
        assertEquals(true, missing.getMessage().contains("[SEP]"), missing.getMessage());
        IllegalArgumentException duplicate =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                new WordPieceVocab(
                                        List.of("[PAD]", "[UNK]", "[CLS]", "[SEP]", "a", "a")));
        assertEquals(true, duplicate.getMessage().contains("'a'"), duplicate.getMessage());
    }

    @Test
    void specialTokenIds() {
        WordPieceVocab vocab = TOKENIZER.vocab();
        assertEquals(0, vocab.padId());
        assertEquals(1, vocab.unkId());
        assertEquals(2, vocab.clsId());
        assertEquals(3, vocab.sepId());
        assertEquals("[MASK]", vocab.token(4));
    }
}
