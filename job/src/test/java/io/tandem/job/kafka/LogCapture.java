package io.tandem.job.kafka;

import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.WriterAppender;
import org.apache.logging.log4j.core.layout.PatternLayout;

/** Log lines of a command, caught for assertions. */
final class LogCapture {
    private LogCapture() {}

    /** Runs {@code action} with every log line (INFO and up) also written to {@code logs}. */
    static int withLogsIn(StringWriter logs, Callable<Integer> action) throws Exception {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        var config = context.getConfiguration();
        WriterAppender appender =
                WriterAppender.newBuilder()
                        .setName("log-capture")
                        .setTarget(logs)
                        .setLayout(PatternLayout.newBuilder().withPattern("%c %m%n").build())
                        .build();
        appender.start();
        Level previous = config.getRootLogger().getLevel();
        config.addAppender(appender);
        config.getRootLogger().addAppender(appender, Level.ALL, null);
        config.getRootLogger().setLevel(Level.INFO);
        context.updateLoggers();
        try {
            return action.call();
        } finally {
            config.getRootLogger().removeAppender("log-capture");
            config.getRootLogger().setLevel(previous);
            context.updateLoggers();
            appender.stop();
        }
    }
}
