package io.tandem.job;

import io.tandem.omop.NoteNlpRows;
import io.tandem.results.DeadLetters;
import java.nio.file.Path;
import java.time.Instant;
import org.apache.flink.configuration.Configuration;

/** What every OMOP {@code NOTE_NLP} output of a job shares: its mapper, made once per job. */
public final class NoteNlpOutput {
    /** The pipeline name of a job without {@code tandem.pipeline}, which runs the bundled one. */
    public static final String DEFAULT_PIPELINE_NAME = "default";

    private NoteNlpOutput() {}

    /**
     * The job's mapper: {@code nlp_system} names Tandem's version and the pipeline; the rows' time
     * is now, fixed here so that a restarted job writes the same rows again.
     */
    public static NoteNlpRows rows(Configuration options, TandemJob job) {
        return new NoteNlpRows(
                TandemVersion.get(),
                pipelineName(options),
                Instant.now(),
                new DeadLetters(job.settings().deadLetterMaxRawBytes()));
    }

    /** The pipeline file's name without its extension, or {@value #DEFAULT_PIPELINE_NAME}. */
    public static String pipelineName(Configuration options) {
        return options.getOptional(JobOptions.PIPELINE)
                .map(file -> Path.of(file).getFileName().toString().replaceFirst("\\.[^.]*$", ""))
                .orElse(DEFAULT_PIPELINE_NAME);
    }
}
