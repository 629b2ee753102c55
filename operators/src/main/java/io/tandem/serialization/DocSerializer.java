package io.tandem.serialization;

import io.tandem.doc.Doc;
import io.tandem.doc.Sentence;
import io.tandem.doc.SourcePosition;
import io.tandem.doc.Span;
import io.tandem.doc.Token;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.typeutils.SimpleTypeSerializerSnapshot;
import org.apache.flink.api.common.typeutils.TypeSerializerSnapshot;
import org.apache.flink.core.memory.DataInputView;
import org.apache.flink.core.memory.DataOutputView;

/**
 * Writes a {@link Doc} field by field: strings as modified UTF-8, offsets as ints, token norms only
 * where they differ from the raw text (most tokens of an un-normalized doc), attribute values with
 * a one-byte type tag.
 */
public final class DocSerializer extends RecordSerializer<Doc> {
    private static final long serialVersionUID = 1L;
    public static final DocSerializer INSTANCE = new DocSerializer();

    private static final byte NULL = 0;
    private static final byte BOOLEAN = 1;
    private static final byte STRING = 2;
    private static final byte LONG = 3;
    private static final byte DOUBLE = 4;
    private static final byte INT = 5;

    @Override
    public Doc createInstance() {
        return new Doc("", "", 0, null, null);
    }

    @Override
    public void serialize(Doc doc, DataOutputView out) throws IOException {
        out.writeUTF(doc.id());
        writeText(doc.text(), out);
        out.writeLong(doc.seq());
        SourcePosition source = doc.source();
        out.writeBoolean(source != null);
        if (source != null) {
            out.writeUTF(source.origin());
            out.writeInt(source.partition());
            out.writeLong(source.position());
        }
        writeNullableString(doc.metaJson(), out);

        List<Token> tokens = doc.tokens();
        out.writeInt(tokens.size());
        for (Token token : tokens) {
            out.writeInt(token.start());
            out.writeInt(token.end());
            boolean raw =
                    token.norm() != null
                            && token.norm()
                                    .regionMatches(
                                            0,
                                            doc.text(),
                                            token.start(),
                                            token.end() - token.start())
                            && token.norm().length() == token.end() - token.start();
            out.writeBoolean(raw);
            if (!raw) {
                writeNullableString(token.norm(), out);
            }
        }
        out.writeInt(doc.sentences().size());
        for (Sentence s : doc.sentences()) {
            out.writeInt(s.tokenStart());
            out.writeInt(s.tokenEnd());
            out.writeInt(s.start());
            out.writeInt(s.end());
        }
        out.writeInt(doc.entities().size());
        for (Span span : doc.entities()) {
            out.writeInt(span.start());
            out.writeInt(span.end());
            out.writeUTF(span.label());
            out.writeUTF(span.source());
            out.writeInt(span.attributes().size());
            for (Map.Entry<String, Object> a : span.attributes().entrySet()) {
                out.writeUTF(a.getKey());
                writeAttribute(a.getKey(), a.getValue(), out);
            }
        }
    }

    @Override
    public Doc deserialize(DataInputView in) throws IOException {
        String id = in.readUTF();
        String text = readText(in);
        long seq = in.readLong();
        SourcePosition source =
                in.readBoolean()
                        ? new SourcePosition(in.readUTF(), in.readInt(), in.readLong())
                        : null;
        Doc doc = new Doc(id, text, seq, source, readNullableString(in));
        int tokens = in.readInt();
        for (int i = 0; i < tokens; i++) {
            int start = in.readInt();
            int end = in.readInt();
            String norm = in.readBoolean() ? text.substring(start, end) : readNullableString(in);
            doc.tokens().add(new Token(start, end, norm));
        }
        int sentences = in.readInt();
        for (int i = 0; i < sentences; i++) {
            doc.sentences()
                    .add(new Sentence(in.readInt(), in.readInt(), in.readInt(), in.readInt()));
        }
        int entities = in.readInt();
        for (int i = 0; i < entities; i++) {
            int start = in.readInt();
            int end = in.readInt();
            String label = in.readUTF();
            String spanSource = in.readUTF();
            int count = in.readInt();
            Map<String, Object> attributes = new LinkedHashMap<>();
            for (int a = 0; a < count; a++) {
                String key = in.readUTF();
                attributes.put(key, readAttribute(in));
            }
            doc.entities().add(new Span(start, end, label, spanSource, attributes));
        }
        return doc;
    }

    /** writeUTF is limited to 64 KB; texts can be larger, so they are written as UTF-8 bytes. */
    private static void writeText(String text, DataOutputView out) throws IOException {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.write(bytes);
    }

    private static String readText(DataInputView in) throws IOException {
        byte[] bytes = new byte[in.readInt()];
        in.readFully(bytes);
        return new String(bytes, java.nio.charset.StandardCharsets.UTF_8);
    }

    private static void writeAttribute(String key, Object value, DataOutputView out)
            throws IOException {
        if (value == null) {
            out.writeByte(NULL);
        } else if (value instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (value instanceof String s) {
            out.writeByte(STRING);
            out.writeUTF(s);
        } else if (value instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (value instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (value instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeDouble(d);
        } else {
            throw new IOException(
                    "Attribute '"
                            + key
                            + "' has a value of type "
                            + value.getClass().getName()
                            + "; expected Boolean, String, Integer, Long or Double");
        }
    }

    private static Object readAttribute(DataInputView in) throws IOException {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case BOOLEAN -> in.readBoolean();
            case STRING -> in.readUTF();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case DOUBLE -> in.readDouble();
            default -> throw new IOException("Unknown attribute type tag " + tag);
        };
    }

    @Override
    public TypeSerializerSnapshot<Doc> snapshotConfiguration() {
        return new DocSerializerSnapshot();
    }

    /** Version 1 of the wire format. */
    public static final class DocSerializerSnapshot extends SimpleTypeSerializerSnapshot<Doc> {
        public DocSerializerSnapshot() {
            super(() -> INSTANCE);
        }
    }
}
