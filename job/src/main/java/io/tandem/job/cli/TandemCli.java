package io.tandem.job.cli;

/** Entry point of {@code tandem.jar}; the subcommands are added by the job issue. */
public final class TandemCli {
    private TandemCli() {}

    public static void main(String[] args) {
        System.err.println("tandem: no command yet");
        System.exit(2);
    }
}
