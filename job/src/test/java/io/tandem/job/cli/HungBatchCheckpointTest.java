package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.tandem.pipeline.Pipeline;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * A job with checkpoints refuses to start when a batch whose documents hang could hold the
 * checkpoint barrier past the checkpoint timeout: the checkpoint would fail, the job restart and
 * meet the same document again.
 */
class HungBatchCheckpointTest {
    private static final List<String> KAFKA =
            List.of(
                    "tandem.kafka.bootstrap=localhost:9092",
                    "tandem.kafka.input-topic=in",
                    "tandem.kafka.output-topic=out");

    private static final String REFUSAL =
            "execution.checkpointing.timeout: 300000 ms is shorter than a batch of 256 documents"
                    + " can take when they hang, 370000 ms (tandem.forward-timeout 120000 ms, then"
                    + " up to 50 splitting passes of at most 5000 ms each,"
                    + " tandem.forward-retry-timeout); expected at least that: raise"
                    + " execution.checkpointing.timeout, or lower tandem.forward-timeout,"
                    + " tandem.forward-retry-timeout or tandem.chunk-size";

    private static List<String> kafkaWith(String... options) {
        List<String> all = new ArrayList<>(KAFKA);
        all.addAll(List.of(options));
        return all;
    }

    @Test
    void theDefaultsFitFlinksDefaultCheckpointTimeout() {
        RunOptions.builder(KAFKA).sanityCheck();
    }

    @Test
    void aCheckpointTimeoutShorterThanAHungBatchIsRefusedNamingTheKeysToChange() {
        IllegalArgumentException refused =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                RunOptions.builder(
                                                kafkaWith("execution.checkpointing.timeout=5min"))
                                        .sanityCheck());
        assertEquals(REFUSAL, refused.getMessage());
    }

    @Test
    void smallerBatchesOrAShorterRetryLimitFitTheSameCheckpointTimeout() {
        // 32 documents: 120 s + 32 x 5 s = 280 s.
        RunOptions.builder(
                        kafkaWith("execution.checkpointing.timeout=5min", "tandem.chunk-size=32"))
                .sanityCheck();
        // 256 documents: 120 s + 50 x 2 s = 220 s.
        RunOptions.builder(
                        kafkaWith(
                                "execution.checkpointing.timeout=5min",
                                "tandem.forward-retry-timeout=2s"))
                .sanityCheck();
    }

    @Test
    void aPipelineWithoutAModelHasNoForwardPassToWaitFor() {
        RunOptions.builder(kafkaWith("execution.checkpointing.timeout=5s"))
                .pipeline(Pipeline.builder().tokenizer().build())
                .sanityCheck();
    }

    @Test
    void aFileJobWithCheckpointsIsCheckedToo() {
        IllegalArgumentException refused =
                assertThrows(
                        IllegalArgumentException.class,
                        () ->
                                RunOptions.builder(
                                                List.of(
                                                        "tandem.output=unused.jsonl",
                                                        "execution.checkpointing.interval=10s",
                                                        "execution.checkpointing.timeout=5min"))
                                        .sanityCheck());
        assertEquals(REFUSAL, refused.getMessage());
    }

    @Test
    void theCommandLineExitsWithOneLineNamingTheCheckpointTimeout() {
        List<String> args = new ArrayList<>(List.of("run"));
        for (String option : kafkaWith("execution.checkpointing.timeout=5min")) {
            args.add("-D");
            args.add(option);
        }
        CommandLine cli = TandemCli.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(TandemCli.EXIT_USAGE, cli.execute(args.toArray(String[]::new)));
        // The command line names the flag of a key that has one.
        assertEquals(
                "tandem: "
                        + REFUSAL.replace("tandem.chunk-size", "--chunk-size")
                        + System.lineSeparator(),
                err.toString());
    }
}
