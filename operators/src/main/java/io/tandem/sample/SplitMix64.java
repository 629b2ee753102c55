package io.tandem.sample;

/**
 * A small SplitMix64 generator. We implement it rather than use {@link java.util.SplittableRandom}
 * because the JDK only promises identical sequences within one program run (and its Gaussian
 * algorithm changed across releases); the sample corpus must be identical on every JVM that
 * generates a slice of it.
 */
final class SplitMix64 {
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private long state;

    SplitMix64(long seed) {
        this.state = seed;
    }

    /** Seeds one generator per (seed, index) pair, so documents can be generated in any order. */
    static SplitMix64 forIndex(long seed, long index) {
        // The index-th output of a SplitMix64 stream seeded with mix(seed): well spread even for
        // neighbouring seeds and indices, so per-document streams do not overlap in practice.
        return new SplitMix64(mix64(mix64(seed) + (index + 1) * GOLDEN_GAMMA));
    }

    /** Stafford's "variant 13" 64-bit finalizer. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    long nextLong() {
        state += GOLDEN_GAMMA;
        return mix64(state);
    }

    /**
     * Uniform in {@code [0, bound)}; the multiply-shift bias (at most bound / 2^32) is harmless.
     */
    int nextInt(int bound) {
        return (int) (((nextLong() >>> 32) * bound) >>> 32);
    }

    /** Uniform in {@code [low, high]}. */
    int nextInt(int low, int high) {
        return low + nextInt(high - low + 1);
    }

    /** Uniform in {@code [0, 1)}. */
    double nextDouble() {
        return (nextLong() >>> 11) * 0x1.0p-53;
    }

    boolean chance(double probability) {
        return nextDouble() < probability;
    }

    /**
     * Standard normal draw (Box-Muller); StrictMath keeps the result identical across platforms.
     */
    double nextGaussian() {
        double radius = StrictMath.sqrt(-2.0 * StrictMath.log(1.0 - nextDouble()));
        return radius * StrictMath.cos(2.0 * Math.PI * nextDouble());
    }

    <T> T pick(T[] choices) {
        return choices[nextInt(choices.length)];
    }
}
