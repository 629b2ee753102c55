package io.tandem.batching;

import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.util.InstantiationUtil;

/**
 * Carries a batch's preprocessed features from the batcher to the postprocess join (same slot, same
 * JVM) over the document edge. Features are the model component's own serializable type; Java
 * serialization writes their primitive arrays in bulk.
 */
public final class FeatureCodec {
    private FeatureCodec() {}

    public static <F extends Serializable> byte[] encode(List<F> features) {
        try {
            return InstantiationUtil.serializeObject(new ArrayList<>(features));
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot serialize model features", e);
        }
    }

    @SuppressWarnings("unchecked")
    public static <F extends Serializable> List<F> decode(byte[] bytes, ClassLoader classLoader) {
        try {
            return (List<F>) InstantiationUtil.deserializeObject(bytes, classLoader);
        } catch (IOException | ClassNotFoundException e) {
            throw new IllegalStateException("Cannot deserialize model features", e);
        }
    }
}
