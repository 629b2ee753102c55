package io.tandem.doc;

import io.tandem.serialization.CompositeRecordSnapshot;
import io.tandem.serialization.WireFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.serialization.SerializerConfigImpl;
import org.apache.flink.api.common.typeutils.TypeSerializer;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.api.java.typeutils.runtime.kryo.KryoSerializer;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link Doc} field by field (format version {@value #FORMAT_VERSION}):
 *
 * <ul>
 *   <li>strings as UTF-8 ({@link WireFormat}); the text has no size limit;
 *   <li>token offsets as deltas and lengths in varints, with the norm's kind in the length's two
 *       low bits: null, the raw text (not written: most norms of an un-normalized text), or
 *       written;
 *   <li>span labels, sources and attribute keys through a per-document table, so each distinct one
 *       is written once ({@code "DISEASE"}, {@code "terms"}, {@code "negated"} repeat a lot);
 *   <li>attribute values with a one-byte type tag; values of a type registered with {@link
 *       AttributeTypes} through the job's Kryo serializer, any other type fails naming it;
 *   <li>since version 2, the document vectors (name, length, floats) after the entities; a
 *       serializer restored from a version 1 snapshot reads and writes without them;
 *   <li>since version 3, each sentence's attributes after its offsets, and the document's
 *       attributes after the vectors (classifiers write them); a serializer restored from an older
 *       snapshot reads and writes without them.
 * </ul>
 *
 * <p>Copies are structural: strings are immutable and shared, tokens, sentences and spans are new
 * objects. Not thread-safe when attribute types are registered (the Kryo serializer is not): Flink
 * calls {@link #duplicate()} per thread.
 */
public final class DocSerializer extends TypeSerializer<Doc> {
    private static final long serialVersionUID = 1L;

    /** The wire format this build writes; see {@link DocSerializerSnapshot} for changing it. */
    public static final int FORMAT_VERSION = 3;

    /** The first format version with the vectors section (embeddings). */
    static final int VECTORS_SINCE = 2;

    /** The first format version with sentence and document attributes (classifiers). */
    static final int ATTRIBUTES_SINCE = 3;

    /** For jobs and tools without registered attribute types; safe to share between threads. */
    public static final DocSerializer INSTANCE = new DocSerializer(new SerializerConfigImpl());

    private static final int NORM_NULL = 0;
    private static final int NORM_RAW = 1;
    private static final int NORM_WRITTEN = 2;

    private static final byte NULL = 0;
    private static final byte BOOLEAN = 1;
    private static final byte STRING = 2;
    private static final byte LONG = 3;
    private static final byte DOUBLE = 4;
    private static final byte INT = 5;
    private static final byte REGISTERED = 6;

    private final AttributeTypes attributeTypes;
    private final TypeSerializer<Object> registeredValues;
    private final int formatVersion;

    public DocSerializer(SerializerConfig config) {
        this(AttributeTypes.of(config), new KryoSerializer<>(Object.class, config));
    }

    DocSerializer(AttributeTypes attributeTypes, TypeSerializer<Object> registeredValues) {
        this(attributeTypes, registeredValues, FORMAT_VERSION);
    }

    DocSerializer(
            AttributeTypes attributeTypes,
            TypeSerializer<Object> registeredValues,
            int formatVersion) {
        this.attributeTypes = Objects.requireNonNull(attributeTypes, "attributeTypes");
        this.registeredValues = Objects.requireNonNull(registeredValues, "registeredValues");
        this.formatVersion = formatVersion;
    }

    public AttributeTypes attributeTypes() {
        return attributeTypes;
    }

    @Override
    public boolean isImmutableType() {
        return false;
    }

    @Override
    public TypeSerializer<Doc> duplicate() {
        // Without registered types the Kryo serializer is never used, so nothing is stateful.
        return attributeTypes.isEmpty()
                ? this
                : new DocSerializer(attributeTypes, registeredValues.duplicate(), formatVersion);
    }

    @Override
    public Doc createInstance() {
        return new Doc("", "", 0, null, null);
    }

    @Override
    public Doc copy(Doc from) {
        Doc copy = new Doc(from.id(), from.text(), from.seq(), from.source(), from.metaJson());
        List<Token> tokens = copy.tokens();
        if (tokens instanceof ArrayList<Token> list) {
            list.ensureCapacity(from.tokens().size());
        }
        for (Token token : from.tokens()) {
            tokens.add(new Token(token.start(), token.end(), token.norm()));
        }
        for (Sentence s : from.sentences()) {
            copy.sentences()
                    .add(
                            new Sentence(
                                    s.tokenStart(),
                                    s.tokenEnd(),
                                    s.start(),
                                    s.end(),
                                    copyAttributes(s.attributes())));
        }
        for (Span span : from.entities()) {
            Map<String, Object> attributes = copyAttributes(span.attributes());
            copy.entities()
                    .add(
                            new Span(
                                    span.start(),
                                    span.end(),
                                    span.label(),
                                    span.source(),
                                    attributes));
        }
        copyVectors(from, copy);
        copy.attributes().putAll(copyAttributes(from.attributes()));
        return copy;
    }

    private Map<String, Object> copyAttributes(Map<String, Object> from) {
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (Map.Entry<String, Object> a : from.entrySet()) {
            attributes.put(a.getKey(), copyAttribute(a.getValue()));
        }
        return attributes;
    }

    private static void copyVectors(Doc from, Doc to) {
        from.vectors().forEach((name, vector) -> to.vectors().put(name, vector.clone()));
    }

    private Object copyAttribute(Object value) {
        return value == null || isBuiltIn(value) ? value : registeredValues.copy(value);
    }

    private static boolean isBuiltIn(Object value) {
        return value instanceof Boolean
                || value instanceof String
                || value instanceof Integer
                || value instanceof Long
                || value instanceof Double;
    }

    @Override
    public Doc copy(Doc from, Doc reuse) {
        return copy(from);
    }

    @Override
    public int getLength() {
        return -1;
    }

    @Override
    public void serialize(Doc doc, DataOutputView out) throws IOException {
        WireFormat.writeString(doc.id(), out);
        String text = doc.text();
        WireFormat.writeString(text, out);
        out.writeLong(doc.seq());
        SourcePosition source = doc.source();
        out.writeBoolean(source != null);
        if (source != null) {
            WireFormat.writeString(source.origin(), out);
            WireFormat.writeSignedVarInt(source.partition(), out);
            out.writeLong(source.position());
        }
        WireFormat.writeNullableString(doc.metaJson(), out);

        List<Token> tokens = doc.tokens();
        WireFormat.writeVarInt(tokens.size(), out);
        int previousEnd = 0;
        for (Token token : tokens) {
            int start = token.start();
            int length = token.end() - start;
            String norm = token.norm();
            int kind;
            if (norm == null) {
                kind = NORM_NULL;
            } else if (norm.length() == length && text.regionMatches(start, norm, 0, length)) {
                kind = NORM_RAW;
            } else {
                kind = NORM_WRITTEN;
            }
            WireFormat.writeSignedVarInt(start - previousEnd, out);
            WireFormat.writeVarInt((length << 2) | kind, out);
            if (kind == NORM_WRITTEN) {
                WireFormat.writeString(norm, out);
            }
            previousEnd = token.end();
        }

        List<Sentence> sentences = doc.sentences();
        WireFormat.writeVarInt(sentences.size(), out);
        for (Sentence s : sentences) {
            WireFormat.writeVarInt(s.tokenStart(), out);
            WireFormat.writeVarInt(s.tokenEnd(), out);
            WireFormat.writeVarInt(s.start(), out);
            WireFormat.writeVarInt(s.end(), out);
            if (formatVersion >= ATTRIBUTES_SINCE) {
                writeAttributes(s.attributes(), out);
            }
        }

        List<Span> entities = doc.entities();
        WireFormat.writeVarInt(entities.size(), out);
        StringTable names = entities.isEmpty() ? null : new StringTable();
        for (Span span : entities) {
            WireFormat.writeVarInt(span.start(), out);
            WireFormat.writeVarInt(span.end() - span.start(), out);
            names.write(span.label(), out);
            names.write(span.source(), out);
            Map<String, Object> attributes = span.attributes();
            WireFormat.writeVarInt(attributes.size(), out);
            for (Map.Entry<String, Object> a : attributes.entrySet()) {
                names.write(a.getKey(), out);
                writeAttribute(a.getKey(), a.getValue(), out);
            }
        }
        if (formatVersion >= VECTORS_SINCE) {
            WireFormat.writeVarInt(doc.vectors().size(), out);
            for (Map.Entry<String, float[]> vector : doc.vectors().entrySet()) {
                WireFormat.writeString(vector.getKey(), out);
                WireFormat.writeVarInt(vector.getValue().length, out);
                WireFormat.writeFloats(vector.getValue(), out);
            }
        }
        if (formatVersion >= ATTRIBUTES_SINCE) {
            writeAttributes(doc.attributes(), out);
        }
    }

    /** Attributes outside entities: keys written in full, as they repeat little. */
    private void writeAttributes(Map<String, Object> attributes, DataOutputView out)
            throws IOException {
        WireFormat.writeVarInt(attributes.size(), out);
        for (Map.Entry<String, Object> a : attributes.entrySet()) {
            WireFormat.writeString(a.getKey(), out);
            writeAttribute(a.getKey(), a.getValue(), out);
        }
    }

    private Map<String, Object> readAttributes(DataInputView in) throws IOException {
        int count = WireFormat.readVarInt(in);
        Map<String, Object> attributes = new LinkedHashMap<>();
        for (int a = 0; a < count; a++) {
            String key = WireFormat.readString(in);
            attributes.put(key, readAttribute(key, in));
        }
        return attributes;
    }

    @Override
    public Doc deserialize(DataInputView in) throws IOException {
        String id = WireFormat.readString(in);
        String text = WireFormat.readString(in);
        long seq = in.readLong();
        SourcePosition source =
                in.readBoolean()
                        ? new SourcePosition(
                                WireFormat.readString(in),
                                WireFormat.readSignedVarInt(in),
                                in.readLong())
                        : null;
        Doc doc = new Doc(id, text, seq, source, WireFormat.readNullableString(in));

        int tokenCount = WireFormat.readVarInt(in);
        List<Token> tokens = doc.tokens();
        if (tokens instanceof ArrayList<Token> list) {
            list.ensureCapacity(tokenCount);
        }
        int previousEnd = 0;
        for (int i = 0; i < tokenCount; i++) {
            int start = previousEnd + WireFormat.readSignedVarInt(in);
            int lengthAndKind = WireFormat.readVarInt(in);
            int end = start + (lengthAndKind >>> 2);
            String norm =
                    switch (lengthAndKind & 3) {
                        case NORM_NULL -> null;
                        case NORM_RAW -> text.substring(start, end);
                        case NORM_WRITTEN -> WireFormat.readString(in);
                        default ->
                                throw new IOException(
                                        "Unknown norm kind "
                                                + (lengthAndKind & 3)
                                                + " of token "
                                                + i);
                    };
            tokens.add(new Token(start, end, norm));
            previousEnd = end;
        }

        int sentenceCount = WireFormat.readVarInt(in);
        for (int i = 0; i < sentenceCount; i++) {
            int tokenStart = WireFormat.readVarInt(in);
            int tokenEnd = WireFormat.readVarInt(in);
            int start = WireFormat.readVarInt(in);
            int end = WireFormat.readVarInt(in);
            doc.sentences()
                    .add(
                            new Sentence(
                                    tokenStart,
                                    tokenEnd,
                                    start,
                                    end,
                                    formatVersion >= ATTRIBUTES_SINCE
                                            ? readAttributes(in)
                                            : Map.of()));
        }

        int entityCount = WireFormat.readVarInt(in);
        StringTable names = entityCount == 0 ? null : new StringTable();
        for (int i = 0; i < entityCount; i++) {
            int start = WireFormat.readVarInt(in);
            int end = start + WireFormat.readVarInt(in);
            String label = names.read(in);
            String spanSource = names.read(in);
            int count = WireFormat.readVarInt(in);
            Map<String, Object> attributes = new LinkedHashMap<>();
            for (int a = 0; a < count; a++) {
                String key = names.read(in);
                attributes.put(key, readAttribute(key, in));
            }
            doc.entities().add(new Span(start, end, label, spanSource, attributes));
        }
        if (formatVersion >= VECTORS_SINCE) {
            int vectorCount = WireFormat.readVarInt(in);
            for (int i = 0; i < vectorCount; i++) {
                String name = WireFormat.readString(in);
                float[] vector = new float[WireFormat.readVarInt(in)];
                WireFormat.readFloats(vector, in);
                doc.vectors().put(name, vector);
            }
        }
        if (formatVersion >= ATTRIBUTES_SINCE) {
            doc.attributes().putAll(readAttributes(in));
        }
        return doc;
    }

    @Override
    public Doc deserialize(Doc reuse, DataInputView in) throws IOException {
        return deserialize(in);
    }

    @Override
    public void copy(DataInputView source, DataOutputView target) throws IOException {
        serialize(deserialize(source), target);
    }

    private void writeAttribute(String key, Object value, DataOutputView out) throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (value instanceof String s) {
            out.writeByte(STRING);
            WireFormat.writeString(s, out);
        } else if (value instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else if (attributeTypes.accepts(value.getClass())) {
            out.writeByte(REGISTERED);
            registeredValues.serialize(value, out);
        } else {
            throw new IOException(
                    "Attribute '"
                            + key
                            + "' has a value of type "
                            + value.getClass().getName()
                            + "; attribute values are Boolean, String, Integer, Long, Double or a"
                            + " type registered with AttributeTypes.register(config, "
                            + value.getClass().getSimpleName()
                            + ".class, <Kryo serializer class>) (registered here: "
                            + (attributeTypes.isEmpty() ? "none" : attributeTypes)
                            + ")");
        }
    }

    private Object readAttribute(String key, DataInputView in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case BOOLEAN -> in.readBoolean();
            case STRING -> WireFormat.readString(in);
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            case REGISTERED -> registeredValues.deserialize(in);
            default ->
                    throw new IOException(
                            "Unknown type tag " + tag + " of attribute '" + key + "'");
        };
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DocSerializer d
                && d.attributeTypes.equals(attributeTypes)
                && d.registeredValues.equals(registeredValues)
                && d.formatVersion == formatVersion;
    }

    @Override
    public int hashCode() {
        return Objects.hash(attributeTypes, registeredValues);
    }

    @Override
    public String toString() {
        return "DocSerializer(format " + formatVersion + ", " + attributeTypes + ")";
    }

    @Override
    public TypeSerializerSnapshot<Doc> snapshotConfiguration() {
        return new DocSerializerSnapshot(this);
    }

    /**
     * Strings that repeat within one document, written once: a reference is {@code index + 1}, a
     * new string is 0 followed by the string. Tables are tiny (a few labels and keys), so a linear
     * scan beats hashing.
     */
    private static final class StringTable {
        private final List<String> strings = new ArrayList<>(8);

        void write(String value, DataOutputView out) throws IOException {
            for (int i = 0; i < strings.size(); i++) {
                String known = strings.get(i);
                if (known == value || known.equals(value)) {
                    WireFormat.writeVarInt(i + 1, out);
                    return;
                }
            }
            out.writeByte(0);
            WireFormat.writeString(value, out);
            strings.add(value);
        }

        String read(DataInputView in) throws IOException {
            int reference = WireFormat.readVarInt(in);
            if (reference == 0) {
                String value = WireFormat.readString(in);
                strings.add(value);
                return value;
            }
            if (reference > strings.size()) {
                throw new IOException(
                        "String reference "
                                + reference
                                + " beyond the "
                                + strings.size()
                                + " strings read so far");
            }
            return strings.get(reference - 1);
        }
    }

    /**
     * The format version (the outer snapshot version), the registered attribute types by class
     * name, and the Kryo serializer of their values as a nested snapshot, whose own compatibility
     * rules (registrations, serializer classes) Flink applies.
     *
     * <p>Changing the wire format: increment {@link #FORMAT_VERSION} and keep reading the old one
     * in a serializer made for that version; an older snapshot then resolves to "compatible after
     * migration". Until then a snapshot of another version is refused, naming it.
     */
    public static final class DocSerializerSnapshot
            extends CompositeRecordSnapshot<Doc, DocSerializer> {
        private AttributeTypes attributeTypes = AttributeTypes.NONE;

        /** For Flink, which reads the fields with {@link #readOuterSnapshot}. */
        public DocSerializerSnapshot() {
            super(FORMAT_VERSION);
        }

        DocSerializerSnapshot(DocSerializer serializer) {
            super(FORMAT_VERSION, serializer);
            this.attributeTypes = serializer.attributeTypes;
        }

        @Override
        protected void writeOuterSnapshot(DataOutputView out) throws IOException {
            writeClassNames(attributeTypes.exact(), out);
            writeClassNames(attributeTypes.hierarchies(), out);
        }

        @Override
        protected void readOuterFields(DataInputView in, ClassLoader classLoader)
                throws IOException {
            List<Class<?>> exact = readClasses(in, classLoader);
            attributeTypes = new AttributeTypes(exact, readClasses(in, classLoader));
        }

        @Override
        protected boolean coversOuterConfiguration(
                CompositeRecordSnapshot<Doc, DocSerializer> old) {
            return ((DocSerializerSnapshot) old).attributeTypes.isCoveredBy(attributeTypes);
        }

        @Override
        protected TypeSerializer<?>[] getNestedSerializers(DocSerializer outer) {
            return new TypeSerializer<?>[] {outer.registeredValues};
        }

        @Override
        @SuppressWarnings("unchecked")
        protected DocSerializer createOuterSerializerWithNestedSerializers(
                TypeSerializer<?>[] nested) {
            // A snapshot of an older format restores a reader of that format.
            return new DocSerializer(
                    attributeTypes, (TypeSerializer<Object>) nested[0], formatVersion());
        }

        private static void writeClassNames(List<Class<?>> classes, DataOutputView out)
                throws IOException {
            WireFormat.writeVarInt(classes.size(), out);
            for (Class<?> type : classes) {
                WireFormat.writeString(type.getName(), out);
            }
        }

        private static List<Class<?>> readClasses(DataInputView in, ClassLoader classLoader)
                throws IOException {
            int count = WireFormat.readVarInt(in);
            List<Class<?>> classes = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                String name = WireFormat.readString(in);
                try {
                    classes.add(Class.forName(name, false, classLoader));
                } catch (ClassNotFoundException e) {
                    throw new IOException(
                            "Attribute value type "
                                    + name
                                    + " of a document serializer snapshot is not on the"
                                    + " classpath",
                            e);
                }
            }
            return classes;
        }
    }
}
