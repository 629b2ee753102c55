package io.tandem.doc;

import com.esotericsoftware.kryo.Serializer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ConfigurationUtils;
import org.apache.flink.configuration.PipelineOptions;

/**
 * User-defined types of span attribute values, and how to register them: edsnlp's pickler {@code
 * register}, in Flink terms.
 *
 * <p>{@link Span#attributes()} values are Boolean, String, Integer, Long or Double, which the
 * document serializer writes itself. A component that stores another type registers a Kryo
 * serializer for it with {@link #register}; the document serializer then writes such values with
 * Kryo, and only those: any other type fails naming the attribute and the type. Everything else in
 * a document, and every other record on Tandem's edges, still never touches Kryo.
 *
 * <p>The registration goes into {@code pipeline.serialization-config} of the job's configuration as
 * a {@code {type: kryo, kryo-type: registered}} entry, which Flink keeps in the job's own
 * serializer configuration. It never uses {@code type: typeinfo}, whose registrations go into a
 * JVM-wide static map, so that a second job in the same JVM (tests, local runs) does not fail with
 * "already registered".
 */
public final class AttributeTypes implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Types the document serializer writes itself; registering them would change nothing. */
    private static final Set<Class<?>> BUILT_IN =
            Set.of(Boolean.class, String.class, Integer.class, Long.class, Double.class);

    /** No user types: what a job without registrations has. */
    public static final AttributeTypes NONE = new AttributeTypes(List.of(), List.of());

    /** Types registered exactly (with a serializer, or as plain Kryo types). */
    private final List<Class<?>> exact;

    /** Types with a Kryo default serializer, which also covers their subclasses. */
    private final List<Class<?>> hierarchies;

    AttributeTypes(List<Class<?>> exact, List<Class<?>> hierarchies) {
        this.exact = List.copyOf(exact);
        this.hierarchies = List.copyOf(hierarchies);
    }

    /**
     * Registers {@code kryoSerializer} for attribute values of {@code type} in {@code config}'s
     * {@code pipeline.serialization-config}, keeping the entries already there. Registering the
     * same pair again changes nothing.
     *
     * @throws IllegalArgumentException if {@code type} is one of the built-in attribute types, or
     *     already has a different serializer entry
     */
    public static <T> void register(
            Configuration config,
            Class<T> type,
            Class<? extends Serializer<? super T>> kryoSerializer) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(kryoSerializer, "kryoSerializer");
        if (BUILT_IN.contains(type)) {
            throw new IllegalArgumentException(
                    "Attribute values of type "
                            + type.getName()
                            + " are written by the document serializer itself; register only"
                            + " other types");
        }
        if (type == Doc.class || type == Span.class) {
            throw new IllegalArgumentException(
                    type.getName() + " has its own serializer and cannot be an attribute value");
        }
        String entry =
                "{type: kryo, kryo-type: registered, class: " + kryoSerializer.getName() + "}";
        List<String> entries =
                new ArrayList<>(
                        config.getOptional(PipelineOptions.SERIALIZATION_CONFIG).orElse(List.of()));
        for (String existing : entries) {
            for (Map.Entry<String, String> e :
                    ConfigurationUtils.parseStringToMap(existing).entrySet()) {
                if (!e.getKey().equals(type.getName())) {
                    continue;
                }
                if (ConfigurationUtils.parseStringToMap(e.getValue())
                        .equals(ConfigurationUtils.parseStringToMap(entry))) {
                    return;
                }
                throw new IllegalArgumentException(
                        "Type "
                                + type.getName()
                                + " already has the serialization entry "
                                + e.getValue()
                                + " in "
                                + PipelineOptions.SERIALIZATION_CONFIG.key()
                                + "; cannot also register "
                                + kryoSerializer.getName());
            }
        }
        entries.add(type.getName() + ": " + entry);
        config.set(PipelineOptions.SERIALIZATION_CONFIG, entries);
    }

    /** The attribute value types a job's serializer configuration registers with Kryo. */
    public static AttributeTypes of(SerializerConfig config) {
        Set<Class<?>> exact = new LinkedHashSet<>();
        Set<Class<?>> hierarchies = new LinkedHashSet<>();
        exact.addAll(config.getRegisteredTypesWithKryoSerializerClasses().keySet());
        exact.addAll(config.getRegisteredKryoTypes());
        hierarchies.addAll(config.getDefaultKryoSerializerClasses().keySet());
        if (config instanceof SerializerConfigImpl impl) {
            exact.addAll(impl.getRegisteredTypesWithKryoSerializers().keySet());
            hierarchies.addAll(impl.getDefaultKryoSerializers().keySet());
        }
        exact.removeAll(BUILT_IN);
        return exact.isEmpty() && hierarchies.isEmpty()
                ? NONE
                : new AttributeTypes(new ArrayList<>(exact), new ArrayList<>(hierarchies));
    }

    /** Whether values of {@code type} may be written (with Kryo). */
    public boolean accepts(Class<?> type) {
        if (exact.contains(type)) {
            return true;
        }
        for (Class<?> root : hierarchies) {
            if (root.isAssignableFrom(type)) {
                return true;
            }
        }
        return false;
    }

    public boolean isEmpty() {
        return exact.isEmpty() && hierarchies.isEmpty();
    }

    /** Whether every type this accepts, the other accepts too. */
    public boolean isCoveredBy(AttributeTypes other) {
        return other.exact.containsAll(exact) && other.hierarchies.containsAll(hierarchies);
    }

    List<Class<?>> exact() {
        return Collections.unmodifiableList(exact);
    }

    List<Class<?>> hierarchies() {
        return Collections.unmodifiableList(hierarchies);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof AttributeTypes t
                && t.exact.equals(exact)
                && t.hierarchies.equals(hierarchies);
    }

    @Override
    public int hashCode() {
        return Objects.hash(exact, hierarchies);
    }

    @Override
    public String toString() {
        return "AttributeTypes{exact=" + exact + ", hierarchies=" + hierarchies + "}";
    }
}
