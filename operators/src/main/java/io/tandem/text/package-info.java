/** Character classes and normalization shared by tokenizers and vocabulary generation. */
package io.tandem.text;
