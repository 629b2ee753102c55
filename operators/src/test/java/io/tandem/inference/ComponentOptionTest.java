package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.classifier.SequenceClassifier;
import io.tandem.embeddings.TextEmbedder;
import io.tandem.ner.Aggregation;
import org.junit.jupiter.api.Test;

class ComponentOptionTest {

    @Test
    void readsAConstantByItsLowerCaseName() {
        assertEquals(Aggregation.AVERAGE, Aggregation.parse("average"));
        assertEquals(TextEmbedder.Pooling.CLS, TextEmbedder.Pooling.parse("cls"));
        assertEquals(
                SequenceClassifier.Target.SENTENCES, SequenceClassifier.Target.parse("sentences"));
        assertEquals(
                SequenceClassifier.Aggregation.MAX, SequenceClassifier.Aggregation.parse("max"));
    }

    @Test
    void refusesAnyOtherSpellingNamingTheValueAndTheNamesExpected() {
        assertEquals(
                "Unknown aggregation 'MAX'; expected first, average or max",
                assertThrows(IllegalArgumentException.class, () -> Aggregation.parse("MAX"))
                        .getMessage());
        assertEquals(
                "Unknown pooling 'max'; expected mean or cls",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> TextEmbedder.Pooling.parse("max"))
                        .getMessage());
        assertEquals(
                "Unknown target 'entity'; expected doc, sentences or entities",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> SequenceClassifier.Target.parse("entity"))
                        .getMessage());
        assertEquals(
                "Unknown aggregation 'null'; expected mean or max",
                assertThrows(
                                IllegalArgumentException.class,
                                () -> SequenceClassifier.Aggregation.parse(null))
                        .getMessage());
    }
}
