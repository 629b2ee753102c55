package io.tandem.job.sink;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.tandem.parquet.ParquetFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.convert.GroupRecordConverter;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.io.ColumnIOFactory;
import org.apache.parquet.io.RecordReader;
import org.apache.parquet.schema.MessageType;

/** Reads a Parquet output folder back in tests, through parquet-mr's generic Group records. */
public final class ParquetParts {
    private ParquetParts() {}

    /** Every record of every finished part file under {@code folder}; fails when there is none. */
    public static List<Group> records(Path folder) throws Exception {
        List<Path> parts;
        try (Stream<Path> files = Files.walk(folder)) {
            parts = files.filter(p -> p.toString().endsWith(".parquet")).sorted().toList();
        }
        assertTrue(!parts.isEmpty(), "no part files in " + folder);
        List<Group> records = new ArrayList<>();
        for (Path part : parts) {
            try (ParquetFileReader reader = ParquetFiles.open(part)) {
                MessageType schema = reader.getFooter().getFileMetaData().getSchema();
                PageReadStore rowGroup;
                while ((rowGroup = reader.readNextRowGroup()) != null) {
                    RecordReader<Group> rows =
                            new ColumnIOFactory()
                                    .getColumnIO(schema)
                                    .getRecordReader(rowGroup, new GroupRecordConverter(schema));
                    for (long i = 0; i < rowGroup.getRowCount(); i++) {
                        records.add(rows.read());
                    }
                }
            }
        }
        return records;
    }
}
