/**
 * Named-entity recognition with a token classifier on any Hugging Face token-classification export:
 * {@link io.tandem.ner.OnnxTokenClassifier}, a {@link io.tandem.inference.ModelComponent} with
 * sliding windows, word aggregation and BIO/BIOES/IO decoding.
 */
package io.tandem.ner;
