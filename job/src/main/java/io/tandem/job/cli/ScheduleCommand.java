package io.tandem.job.cli;

import io.tandem.dispatch.ScheduleReport;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code tandem schedule}: prints the dispatch schedule for P producers and C consumers. */
@Command(
        name = "schedule",
        mixinStandardHelpOptions = true,
        description = "Print the dispatch schedule (ours and edsnlp's reference, side by side).")
public final class ScheduleCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(
            names = "--producers",
            required = true,
            paramLabel = "P",
            description = "CPU (producer) subtasks.")
    int producers;

    @Option(
            names = "--consumers",
            required = true,
            paramLabel = "C",
            description = "Inference (consumer) subtasks.")
    int consumers;

    @Option(
            names = "--json",
            description = "Print one JSON object: producers, consumers, schedules.")
    boolean json;

    @Override
    public Integer call() {
        ScheduleReport report;
        try {
            report = ScheduleReport.of(producers, consumers);
        } catch (IllegalArgumentException e) {
            throw new TandemCli.UsageException(e.getMessage());
        }
        spec.commandLine().getOut().println(json ? report.toJson() : report.toText());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
