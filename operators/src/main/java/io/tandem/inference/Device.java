package io.tandem.inference;

/** Where a forward pass runs. */
public enum Device {
    /** CUDA when a GPU index is given and the CUDA execution provider loads, else CPU. */
    AUTO,
    /** Always the CPU. */
    CPU,
    /** The CUDA execution provider on the bound GPU; failing to load it is an error. */
    CUDA
}
