package io.tandem.tensor;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Tensors by name, in insertion order: a model's inputs or its outputs. Immutable; each tensor is
 * keyed by its own {@link Tensor#name()}.
 */
public final class TensorMap implements Serializable {
    private static final long serialVersionUID = 1L;

    private final LinkedHashMap<String, Tensor> tensors;

    private TensorMap(LinkedHashMap<String, Tensor> tensors) {
        this.tensors = tensors;
    }

    public static TensorMap of(Tensor... tensors) {
        return of(List.of(tensors));
    }

    public static TensorMap of(List<Tensor> tensors) {
        return new TensorMap(byName(tensors));
    }

    private static LinkedHashMap<String, Tensor> byName(List<Tensor> tensors) {
        LinkedHashMap<String, Tensor> byName = new LinkedHashMap<>();
        for (Tensor tensor : tensors) {
            Tensor previous = byName.putIfAbsent(tensor.name(), tensor);
            if (previous != null) {
                throw new IllegalArgumentException(
                        "Two tensors are named '" + tensor.name() + "' in one TensorMap");
            }
        }
        return byName;
    }

    /**
     * The tensor called {@code name}.
     *
     * @throws IllegalArgumentException naming the missing tensor and the ones present
     */
    public Tensor get(String name) {
        Tensor tensor = tensors.get(name);
        if (tensor == null) {
            throw new IllegalArgumentException(
                    "No tensor named '" + name + "'; tensors present: " + tensors.keySet());
        }
        return tensor;
    }

    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    /** Names in insertion order. */
    public Set<String> names() {
        return Collections.unmodifiableSet(tensors.keySet());
    }

    /** Tensors in insertion order. */
    public List<Tensor> tensors() {
        return Collections.unmodifiableList(new ArrayList<>(tensors.values()));
    }

    public Map<String, Tensor> asMap() {
        return Collections.unmodifiableMap(tensors);
    }

    public int size() {
        return tensors.size();
    }

    /** Bytes of element data over all tensors. */
    public long sizeInBytes() {
        long bytes = 0;
        for (Tensor tensor : tensors.values()) {
            bytes += tensor.sizeInBytes();
        }
        return bytes;
    }

    /** Rows {@code [from, to)} of every tensor, all of which have the batch as first axis. */
    public TensorMap rows(int from, int to) {
        List<Tensor> sliced = new ArrayList<>(tensors.size());
        for (Tensor tensor : tensors.values()) {
            sliced.add(tensor.rows(from, to));
        }
        return new TensorMap(byName(sliced));
    }

    /** The maps' tensors, each concatenated along its first axis, in the order of the maps. */
    public static TensorMap concatRows(List<TensorMap> parts) {
        if (parts.size() == 1) {
            return parts.get(0);
        }
        if (parts.isEmpty()) {
            throw new IllegalArgumentException("Cannot concatenate no tensor maps");
        }
        List<Tensor> joined = new ArrayList<>();
        for (String name : parts.get(0).names()) {
            List<Tensor> column = new ArrayList<>(parts.size());
            for (TensorMap part : parts) {
                column.add(part.get(name));
            }
            joined.add(Tensor.concatRows(column));
        }
        return of(joined);
    }

    @Override
    public boolean equals(Object o) {
        // Order matters for equality as it does for the map's iteration.
        return o instanceof TensorMap m
                && new ArrayList<>(m.tensors.values()).equals(new ArrayList<>(tensors.values()));
    }

    @Override
    public int hashCode() {
        return tensors.hashCode();
    }

    @Override
    public String toString() {
        return "TensorMap" + tensors.values();
    }
}
