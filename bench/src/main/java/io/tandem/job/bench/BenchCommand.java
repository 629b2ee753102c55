package io.tandem.job.bench;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code tandem bench}: Tandem's figures, measured side by side in one run. */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = {
            "Measure Tandem on the sample corpus in one process and print a table of ratios:"
                    + " pipeline efficiency (stand-in accelerator, bench model on the CPU),"
                    + " throughput against a per-record map and a countWindow(32) idiom,"
                    + " serializers against Kryo (JMH), padding, ordering cost, scaling and p99"
                    + " latency.",
            "The JMH progress and the runs go to stderr, the table to stdout."
        })
public final class BenchCommand implements Callable<Integer> {

    @Option(
            names = "--quick",
            description =
                    "A shorter run: every figure twice, on fewer documents (about 4 minutes on 2"
                            + " cores; the full run measures three times, in about 14).")
    boolean quick;

    @Option(
            names = "--json",
            paramLabel = "FILE",
            description = "Also write the figures (and the measurements behind them) as JSON.")
    Path json;

    @Option(
            names = "--chart",
            paramLabel = "FILE.png",
            description = "Also draw the throughput and scaling chart as a PNG.")
    Path chart;

    /** For tests: the smallest run that yields every figure. */
    @Option(names = "--smoke", hidden = true)
    boolean smoke;

    @Override
    public Integer call() throws Exception {
        BenchSettings settings =
                smoke
                        ? BenchSettings.smoke()
                        : quick ? BenchSettings.quick() : BenchSettings.full();
        BenchReport report = new Bench(settings, System.err).run();
        System.out.print(report.table());
        System.out.flush();
        if (json != null) {
            report.writeJson(json);
        }
        if (chart != null) {
            BenchChart.write(report, chart);
        }
        return 0;
    }
}
