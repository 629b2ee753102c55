package io.tandem.pipeline.components;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Token;
import java.util.List;
import org.junit.jupiter.api.Test;

class TokenizerTest {
    private static List<String> words(String text) {
        return Tokenizer.tokenize(text).stream()
                .map(t -> text.substring(t.start(), t.end()))
                .toList();
    }

    @Test
    void wordsPunctuationAndOffsets() {
        String text = "Patient denies chest pain.";
        List<Token> tokens = Tokenizer.tokenize(text);
        assertEquals(List.of("Patient", "denies", "chest", "pain", "."), words(text));
        assertEquals(8, tokens.get(1).start());
        assertEquals(14, tokens.get(1).end());
        assertEquals("denies", tokens.get(1).norm());
    }

    @Test
    void hyphensDecimalsAndEnglishApostrophesStayInsideWords() {
        assertEquals(
                List.of(
                        "anti-inflammatory",
                        "3.5",
                        "mg",
                        ",",
                        "2,5",
                        "g",
                        ";",
                        "don't",
                        "stop",
                        "!"),
                words("anti-inflammatory 3.5 mg, 2,5 g; don't stop!"));
    }

    @Test
    void frenchElisionsAreSplitAfterTheApostrophe() {
        assertEquals(
                List.of("l'", "asthme", "et", "d'", "insuline", "jusqu'", "hier"),
                words("l'asthme et d'insuline jusqu'hier"));
        assertEquals(List.of("L\u2019", "anémie"), words("L\u2019anémie"));
    }

    @Test
    void accentsSurrogatePairsAndWhitespace() {
        String text = "Fièvre 🤒\n\tdyspnée";
        assertEquals(List.of("Fièvre", "🤒", "dyspnée"), words(text));
        assertEquals(
                2, Tokenizer.tokenize(text).get(1).end() - Tokenizer.tokenize(text).get(1).start());
        assertEquals(List.of(), words("  \n "));
    }
}
