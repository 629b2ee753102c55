package io.tandem.batching;

/**
 * Tells a batcher when documents arrive too sparsely for batching to pay: when the mean gap between
 * arrivals is at least the maximum batch delay, fewer than one more document is expected before the
 * delay would flush the chunk anyway, so holding it only adds the delay to every document's
 * latency. At such rates the device is idle between documents, and a batch of one costs it nothing
 * that a fuller batch would have saved.
 *
 * <p>The mean is an exponential moving average (the newest gap weighs {@value #NEWEST_WEIGHT}): one
 * late document after a burst does not make a stream sparse, and a stream that slows down is seen
 * as sparse within a few documents. Times are the operator's processing time, in milliseconds.
 */
final class SparseArrivals {
    static final double NEWEST_WEIGHT = 0.25;

    private final long maxDelayMillis;
    private long lastArrival = -1;
    private double meanGapMillis = -1;

    SparseArrivals(long maxDelayMillis) {
        this.maxDelayMillis = maxDelayMillis;
    }

    /** Records an arrival at {@code nowMillis}; true when arrivals are now sparse. */
    boolean arrive(long nowMillis) {
        if (lastArrival >= 0) {
            long gap = Math.max(0, nowMillis - lastArrival);
            meanGapMillis =
                    meanGapMillis < 0
                            ? gap
                            : NEWEST_WEIGHT * gap + (1 - NEWEST_WEIGHT) * meanGapMillis;
        }
        lastArrival = nowMillis;
        return meanGapMillis >= maxDelayMillis;
    }
}
