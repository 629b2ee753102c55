package io.tandem.job.sink;

import io.tandem.job.format.JsonResults;
import io.tandem.results.Result;
import java.io.Serializable;

/** How {@link JsonLinesFileSink} writes one result: its lines, and which of its two files. */
public interface ResultLines extends Serializable {

    /**
     * @param deadLetter the lines go to the dead-letter file
     * @param lines newline-separated, without a final newline; empty for none
     */
    record Encoded(boolean deadLetter, String lines) {}

    Encoded encode(Result result);

    /** One line per result, {@link JsonResults}'s encoding. */
    ResultLines JSON = json(false);

    /**
     * {@link JsonResults}'s encoding, listing each document's sentences where the pipeline asks
     * ({@code output.sentences: true}).
     */
    static ResultLines json(boolean sentences) {
        return result -> new Encoded(result.isDeadLetter(), JsonResults.encode(result, sentences));
    }
}
