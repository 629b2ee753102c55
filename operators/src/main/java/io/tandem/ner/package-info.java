/**
 * Named-entity recognition with a WordPiece token classifier: the BERT uncased tokenizer with
 * offsets into the original text, and {@link io.tandem.ner.OnnxTokenClassifier}, a {@link
 * io.tandem.inference.ModelComponent} with sliding windows and BIO decoding.
 */
package io.tandem.ner;
