package io.tandem.job.cli;

import io.tandem.job.JobSetup;
import io.tandem.plan.CpuBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** The run command's job setup for options given as {@code -D key=value}, as a user gives them. */
final class RunOptions {
    private RunOptions() {}

    /** The setup's builder for {@code -D} {@code options}, on an 8-CPU budget with no cap. */
    static JobSetup.Builder builder(List<String> options) {
        List<String> args = new ArrayList<>();
        for (String option : options) {
            args.add("-D");
            args.add(option);
        }
        RunCommand command = new RunCommand();
        new CommandLine(command).parseArgs(args.toArray(String[]::new));
        return JobSetup.builder(command.configuration())
                .cpuBudget(CpuBudget.fixed(8))
                .environment(Map.of());
    }
}
