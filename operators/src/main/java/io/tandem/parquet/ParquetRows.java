package io.tandem.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Base64;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.GroupType;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Renders a Parquet row as the JSON object a JSON Lines input would hold, {@code {"id": ...,
 * "text": ..., "meta": {...}}}, so that both formats go through the same parser and the same
 * dead-letter reasons. The id and text columns are renamed to {@code id} and {@code text}; a null
 * or missing one is left out, which the parser rejects with its reason. Every other column goes to
 * {@code meta}: strings and numbers as themselves, LIST and MAP columns as arrays and objects,
 * other bytes as base64. {@link #allColumns()} renders every column under its own name instead, for
 * records in another layout (OMOP's), which the parser then reads.
 */
public final class ParquetRows {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private final String idColumn;
    private final String textColumn;

    public ParquetRows(String idColumn, String textColumn) {
        this.idColumn = idColumn;
        this.textColumn = textColumn;
    }

    /** Every column at the top level under its own name, none renamed, no {@code meta}. */
    public static ParquetRows allColumns() {
        return new ParquetRows(null, null);
    }

    public byte[] toJson(Group row) {
        if (idColumn == null) {
            return allColumnsJson(row);
        }
        ObjectNode doc = NODES.objectNode();
        ObjectNode meta = NODES.objectNode();
        GroupType type = row.getType();
        for (int i = 0; i < type.getFieldCount(); i++) {
            String name = type.getFieldName(i);
            JsonNode value = field(row, i);
            if (name.equals(idColumn)) {
                putIfPresent(doc, "id", value);
            } else if (name.equals(textColumn)) {
                putIfPresent(doc, "text", value);
            } else {
                meta.set(name, value);
            }
        }
        if (!meta.isEmpty()) {
            doc.set("meta", meta);
        }
        try {
            return JSON.writeValueAsBytes(doc);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Cannot render a Parquet row as JSON", e);
        }
    }

    private static byte[] allColumnsJson(Group row) {
        ObjectNode object = NODES.objectNode();
        GroupType type = row.getType();
        for (int i = 0; i < type.getFieldCount(); i++) {
            putIfPresent(object, type.getFieldName(i), field(row, i));
        }
        try {
            return JSON.writeValueAsBytes(object);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("Cannot render a Parquet row as JSON", e);
        }
    }

    private static void putIfPresent(ObjectNode doc, String name, JsonNode value) {
        if (!value.isNull()) {
            doc.set(name, value);
        }
    }

    private static JsonNode field(Group group, int index) {
        Type type = group.getType().getType(index);
        int count = group.getFieldRepetitionCount(index);
        if (type.isRepetition(Type.Repetition.REPEATED)) {
            ArrayNode values = NODES.arrayNode();
            for (int i = 0; i < count; i++) {
                values.add(value(group, index, i, type));
            }
            return values;
        }
        return count == 0 ? NODES.nullNode() : value(group, index, 0, type);
    }

    private static JsonNode value(Group group, int field, int index, Type type) {
        if (!type.isPrimitive()) {
            return groupValue(group.getGroup(field, index));
        }
        PrimitiveType primitive = type.asPrimitiveType();
        LogicalTypeAnnotation logical = primitive.getLogicalTypeAnnotation();
        return switch (primitive.getPrimitiveTypeName()) {
            case BOOLEAN -> NODES.booleanNode(group.getBoolean(field, index));
            case INT32 -> NODES.numberNode(group.getInteger(field, index));
            case INT64 -> NODES.numberNode(group.getLong(field, index));
            case FLOAT -> NODES.numberNode(group.getFloat(field, index));
            case DOUBLE -> NODES.numberNode(group.getDouble(field, index));
            case BINARY, FIXED_LEN_BYTE_ARRAY, INT96 -> {
                Binary bytes = group.getBinary(field, index);
                yield isText(logical)
                        ? NODES.textNode(bytes.toStringUsingUTF8())
                        : NODES.textNode(Base64.getEncoder().encodeToString(bytes.getBytes()));
            }
        };
    }

    private static boolean isText(LogicalTypeAnnotation logical) {
        return logical instanceof LogicalTypeAnnotation.StringLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.EnumLogicalTypeAnnotation
                || logical instanceof LogicalTypeAnnotation.JsonLogicalTypeAnnotation;
    }

    /** LIST and MAP by their standard layouts; any other group as an object of its fields. */
    private static JsonNode groupValue(Group group) {
        GroupType type = group.getType();
        LogicalTypeAnnotation logical = type.getLogicalTypeAnnotation();
        if (logical instanceof LogicalTypeAnnotation.ListLogicalTypeAnnotation
                && type.getFieldCount() == 1) {
            ArrayNode values = NODES.arrayNode();
            Type repeated = type.getType(0);
            for (int i = 0; i < group.getFieldRepetitionCount(0); i++) {
                if (!repeated.isPrimitive() && repeated.asGroupType().getFieldCount() == 1) {
                    values.add(field(group.getGroup(0, i), 0)); // list { element }
                } else {
                    values.add(value(group, 0, i, repeated));
                }
            }
            return values;
        }
        if (logical instanceof LogicalTypeAnnotation.MapLogicalTypeAnnotation
                && type.getFieldCount() == 1
                && !type.getType(0).isPrimitive()) {
            ObjectNode map = NODES.objectNode();
            for (int i = 0; i < group.getFieldRepetitionCount(0); i++) {
                Group entry = group.getGroup(0, i);
                map.set(field(entry, 0).asText(), field(entry, 1));
            }
            return map;
        }
        ObjectNode object = NODES.objectNode();
        for (int i = 0; i < type.getFieldCount(); i++) {
            object.set(type.getFieldName(i), field(group, i));
        }
        return object;
    }
}
