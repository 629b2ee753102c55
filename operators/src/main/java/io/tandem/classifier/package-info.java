/**
 * The sequence classifier ({@code type: classifier}): a Hugging Face sequence-classification export
 * run on a document's windows, on each sentence or on each entity in its context.
 */
package io.tandem.classifier;
