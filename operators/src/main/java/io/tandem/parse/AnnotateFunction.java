package io.tandem.parse;

import io.tandem.doc.Doc;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Parses raw records and runs the rule-based pipeline on them. Each record ends as exactly one
 * {@link ResultLine}: the document's output, or a dead letter naming why it was rejected (bad
 * input) or which error its processing threw. Never fails the job for one bad document.
 */
public final class AnnotateFunction extends ProcessFunction<RawRecord, ResultLine> {
    private static final long serialVersionUID = 1L;

    private final DocParser parser;
    private final Pipeline pipeline;
    private final DeadLetters deadLetters;
    private transient Counter docsIn;
    private transient Counter docsOut;
    private transient Counter deadLettersOut;

    public AnnotateFunction(DocParser parser, Pipeline pipeline, DeadLetters deadLetters) {
        this.parser = parser;
        this.pipeline = pipeline;
        this.deadLetters = deadLetters;
    }

    @Override
    public void open(OpenContext openContext) {
        pipeline.open();
        docsIn = getRuntimeContext().getMetricGroup().counter("tandemDocumentsIn");
        docsOut = getRuntimeContext().getMetricGroup().counter("tandemDocumentsOut");
        deadLettersOut = getRuntimeContext().getMetricGroup().counter("tandemDeadLetters");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<ResultLine> out) {
        docsIn.inc();
        ResultLine result;
        try {
            Doc doc = parser.parse(record);
            pipeline.process(doc);
            result = ResultLine.output(record.seq, doc.id(), OutputFormat.toJson(doc));
        } catch (BadRecordException | RuntimeException e) {
            // A component that throws on one document must not restart the job: the document
            // goes to the dead-letter output with the error class and message.
            result = deadLetters.of(record, e);
        }
        (result.deadLetter ? deadLettersOut : docsOut).inc();
        out.collect(result);
    }
}
