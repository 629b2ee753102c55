package io.tandem.parse;

import io.tandem.doc.Doc;
import io.tandem.pipeline.Pipeline;
import io.tandem.results.DeadLetters;
import io.tandem.results.Result;
import io.tandem.results.Stage;
import io.tandem.source.RawRecord;
import java.io.Serializable;

/**
 * Parses a raw record and runs the per-document components on it. Each record becomes a document or
 * a dead letter: bad input, or a component that threw on it (the job never restarts for one
 * document).
 */
public final class Annotator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final DocParser parser;
    private final Pipeline pipeline;
    private final DeadLetters deadLetters;

    public Annotator(DocParser parser, Pipeline pipeline, DeadLetters deadLetters) {
        this.parser = parser;
        this.pipeline = pipeline;
        this.deadLetters = deadLetters;
    }

    public void open() {
        pipeline.open();
    }

    /** The annotated document, or null after {@code onDeadLetter} received its dead letter. */
    public Doc annotate(RawRecord record, java.util.function.Consumer<Result> onDeadLetter) {
        Doc doc;
        try {
            doc = parser.parse(record);
        } catch (BadRecordException | RuntimeException e) {
            onDeadLetter.accept(Result.deadLetter(deadLetters.of(record, Stage.PARSE, e)));
            return null;
        }
        try {
            pipeline.process(doc);
            return doc;
        } catch (RuntimeException e) {
            onDeadLetter.accept(Result.deadLetter(deadLetters.of(record, Stage.COMPONENT, e)));
            return null;
        }
    }

    public DeadLetters deadLetters() {
        return deadLetters;
    }
}
