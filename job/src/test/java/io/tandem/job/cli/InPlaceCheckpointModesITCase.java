package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.job.ParquetNotes;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Without inference subtasks there is no postprocess join, and the checkpointing the split layout
 * refuses works: every document reaches the Parquet output, which Flink commits only when a
 * checkpoint completes.
 */
class InPlaceCheckpointModesITCase {
    @TempDir Path dir;

    @ParameterizedTest(name = "{0}")
    @ValueSource(
            strings = {
                "execution.checkpointing.mode=AT_LEAST_ONCE",
                "execution.checkpointing.unaligned.enabled=true"
            })
    void theModelRunInPlaceTakesCheckpointsTheJoinCannotTake(String option) throws Exception {
        Path output = dir.resolve("out");
        int exit =
                TandemCli.execute(
                        "run",
                        "--input",
                        "sample:300",
                        "--output",
                        output.toString(),
                        "--output-format",
                        "parquet",
                        "--gpu-workers",
                        "0",
                        "--cpu-workers",
                        "2",
                        "--checkpoint-interval",
                        "100ms",
                        "-D",
                        option,
                        "--no-progress");
        assertEquals(0, exit);
        assertEquals(300, ParquetNotes.rows(output));
        assertEquals(0, Files.readAllLines(dir.resolve("out.dead-letter.jsonl")).size());
    }
}
