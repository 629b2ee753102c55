package io.tandem.source;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

class JsonLinesFileSourceITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(2)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir Path dir;

    @Test
    void readsEveryLineAsRawBytesWithLineNumbersAndSequence() throws Exception {
        Path file = dir.resolve("in.jsonl");
        byte[] invalid = {'{', (byte) 0xC3, '}'};
        try (var out = Files.newOutputStream(file)) {
            out.write("first\r\n".getBytes(StandardCharsets.UTF_8));
            out.write("\n".getBytes(StandardCharsets.UTF_8));
            out.write(invalid);
            out.write("\nlast without newline".getBytes(StandardCharsets.UTF_8));
        }
        Configuration config = new Configuration();
        // RawRecord is a POJO: no Kryo on the source's edge.
        config.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(config);
        env.setParallelism(2);
        List<RawRecord> records = new ArrayList<>();
        try (CloseableIterator<RawRecord> it =
                env.fromSource(
                                new JsonLinesFileSource(file),
                                WatermarkStrategy.noWatermarks(),
                                "in")
                        .executeAndCollect()) {
            it.forEachRemaining(records::add);
        }
        records.sort(Comparator.comparingLong(r -> r.seq));
        assertEquals(4, records.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, records.get(i).seq);
            assertEquals(i + 1, records.get(i).position);
            assertEquals(file.toAbsolutePath().toString(), records.get(i).origin);
        }
        assertEquals("first", new String(records.get(0).value, StandardCharsets.UTF_8));
        assertEquals(0, records.get(1).value.length);
        assertArrayEquals(invalid, records.get(2).value);
        assertEquals(
                "last without newline", new String(records.get(3).value, StandardCharsets.UTF_8));
    }
}
