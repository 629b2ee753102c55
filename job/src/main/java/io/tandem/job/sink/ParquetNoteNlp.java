package io.tandem.job.sink;

import io.tandem.doc.Doc;
import io.tandem.omop.NoteNlpRow;
import io.tandem.omop.NoteNlpRows;
import java.io.IOException;
import java.nio.file.Path;
import java.time.ZoneOffset;
import org.apache.flink.api.common.serialization.BulkWriter;
import org.apache.flink.connector.file.sink.FileSink;
import org.apache.flink.core.fs.FSDataOutputStream;
import org.apache.flink.formats.parquet.ParquetWriterFactory;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * OMOP {@code NOTE_NLP} rows as Parquet, one row per entity, written by Flink's {@link FileSink}
 * into part files of a folder, committed at checkpoints and at the end of input, like {@link
 * ParquetDocs}. The sink takes documents and writes each one's rows ({@link NoteNlpRows}); a
 * document whose id is not an integer must have become a dead letter before it ({@link
 * NoteNlpRows#checkNoteId}). The schema ({@link #SCHEMA}) has the v5.4 DDL's columns, nullability
 * and types: ids as int64, {@code nlp_date} a DATE, {@code nlp_datetime} a UTC timestamp in
 * milliseconds.
 */
public final class ParquetNoteNlp {
    public static final MessageType SCHEMA =
            MessageTypeParser.parseMessageType(
                    "message note_nlp {"
                            + " required int64 note_nlp_id;"
                            + " required int64 note_id;"
                            + " optional int32 section_concept_id;"
                            + " optional binary snippet (STRING);"
                            + " optional binary offset (STRING);"
                            + " required binary lexical_variant (STRING);"
                            + " optional int32 note_nlp_concept_id;"
                            + " optional int32 note_nlp_source_concept_id;"
                            + " optional binary nlp_system (STRING);"
                            + " required int32 nlp_date (DATE);"
                            + " optional int64 nlp_datetime (TIMESTAMP(MILLIS,false));"
                            + " optional binary term_exists (STRING);"
                            + " optional binary term_temporal (STRING);"
                            + " optional binary term_modifiers (STRING);"
                            + "}");

    private ParquetNoteNlp() {}

    public static FileSink<Doc> sink(Path folder, NoteNlpRows rows) {
        return ParquetPartFiles.sink(folder, new DocRowsFactory(rows));
    }

    /** Writes each document as its rows through Flink's Parquet writer of rows. */
    private static final class DocRowsFactory implements BulkWriter.Factory<Doc> {
        private static final long serialVersionUID = 1L;
        private final NoteNlpRows rows;
        private final ParquetWriterFactory<NoteNlpRow> parquet =
                new ParquetWriterFactory<>(ParquetNoteNlp::writer);

        DocRowsFactory(NoteNlpRows rows) {
            this.rows = rows;
        }

        @Override
        public BulkWriter<Doc> create(FSDataOutputStream out) throws IOException {
            BulkWriter<NoteNlpRow> writer = parquet.create(out);
            return new BulkWriter<>() {
                @Override
                public void addElement(Doc doc) throws IOException {
                    for (NoteNlpRow row : rows.rows(doc)) {
                        writer.addElement(row);
                    }
                }

                @Override
                public void flush() throws IOException {
                    writer.flush();
                }

                @Override
                public void finish() throws IOException {
                    writer.finish();
                }
            };
        }
    }

    static ParquetWriter<NoteNlpRow> writer(OutputFile out) throws IOException {
        return ParquetPartFiles.writer(out, SCHEMA, new RowRecords());
    }

    /** Writes a {@link NoteNlpRow} column by column in {@link #SCHEMA}'s order. */
    private static final class RowRecords extends ParquetPartFiles.RecordWriter<NoteNlpRow> {
        @Override
        void write(NoteNlpRow row) {
            int i = 0;
            int64("note_nlp_id", i++, row.noteNlpId());
            int64("note_id", i++, row.noteId());
            int32("section_concept_id", i++, row.sectionConceptId());
            string("snippet", i++, row.snippet());
            string("offset", i++, row.offset());
            string("lexical_variant", i++, row.lexicalVariant());
            int32("note_nlp_concept_id", i++, row.noteNlpConceptId());
            int32("note_nlp_source_concept_id", i++, row.noteNlpSourceConceptId());
            string("nlp_system", i++, row.nlpSystem());
            int32("nlp_date", i++, (int) row.nlpDate().toEpochDay());
            int64("nlp_datetime", i++, row.nlpDatetime().toInstant(ZoneOffset.UTC).toEpochMilli());
            string("term_exists", i++, row.termExists());
            string("term_temporal", i++, row.termTemporal());
            string("term_modifiers", i, row.termModifiers());
        }
    }
}
