package io.tandem.job.jdbc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tandem.doc.SourcePosition;
import io.tandem.source.RawRecord;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Types;
import org.apache.flink.connector.jdbc.core.datastream.source.reader.extractor.ResultExtractor;

/**
 * One row of OMOP {@code NOTE} as the raw record every source hands the parser: {@code note_id}
 * becomes {@code id} (and the record's sequence number), {@code note_text} becomes {@code text},
 * and every other column goes to {@code meta} (numbers as numbers, dates and the rest as text). A
 * NULL {@code note_text} stays null, so the parser makes it a dead letter.
 */
final class NoteRowExtractor implements ResultExtractor<RawRecord> {
    private static final long serialVersionUID = 1L;
    private static final ObjectMapper JSON = new ObjectMapper();
    static final String ID_COLUMN = "note_id";
    static final String TEXT_COLUMN = "note_text";

    private final String origin;

    /**
     * @param origin the table or query, as dead letters name their source
     */
    NoteRowExtractor(String origin) {
        this.origin = origin;
    }

    @Override
    public RawRecord extract(ResultSet row) throws SQLException {
        long noteId = row.getLong(ID_COLUMN);
        ObjectNode record = JSON.createObjectNode();
        record.put("id", noteId);
        record.put("text", row.getString(TEXT_COLUMN));
        ObjectNode meta = record.putObject("meta");
        ResultSetMetaData columns = row.getMetaData();
        for (int i = 1; i <= columns.getColumnCount(); i++) {
            String name = columns.getColumnLabel(i);
            if (name.equalsIgnoreCase(ID_COLUMN) || name.equalsIgnoreCase(TEXT_COLUMN)) {
                continue;
            }
            switch (columns.getColumnType(i)) {
                case Types.BIGINT, Types.INTEGER, Types.SMALLINT, Types.TINYINT -> {
                    long value = row.getLong(i);
                    if (row.wasNull()) {
                        meta.putNull(name);
                    } else {
                        meta.put(name, value);
                    }
                }
                case Types.NUMERIC, Types.DECIMAL, Types.DOUBLE, Types.REAL, Types.FLOAT -> {
                    BigDecimal value = row.getBigDecimal(i);
                    meta.put(name, value);
                }
                default -> meta.put(name, row.getString(i));
            }
        }
        byte[] value = record.toString().getBytes(StandardCharsets.UTF_8);
        return new RawRecord(noteId, SourcePosition.fileRow(origin, noteId), value);
    }

    @Override
    public String identifier() {
        return "omop-note";
    }
}
