/**
 * The model component API: CPU-side {@code preprocess}/{@code collate}/{@code postprocess} and a
 * {@link io.tandem.inference.ForwardRunner} that runs only where the model lives, exchanging plain
 * {@link io.tandem.tensor.TensorMap}s; and {@link io.tandem.inference.OnnxSession}, the ONNX
 * Runtime runner (CPU, or CUDA on a bound GPU).
 */
package io.tandem.inference;
