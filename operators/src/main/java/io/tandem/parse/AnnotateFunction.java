package io.tandem.parse;

import io.tandem.doc.Doc;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * The whole CPU task set of a pipeline without a model component: parse and annotate. Each record
 * ends as exactly one {@link Result}, the document's output or its dead letter.
 */
public final class AnnotateFunction extends ProcessFunction<RawRecord, Result> {
    private static final long serialVersionUID = 1L;

    private final Annotator annotator;
    private transient Counter docsIn;
    private transient Counter docsOut;
    private transient Counter deadLettersOut;

    public AnnotateFunction(Annotator annotator) {
        this.annotator = annotator;
    }

    @Override
    public void open(OpenContext openContext) {
        annotator.open();
        docsIn = getRuntimeContext().getMetricGroup().counter("tandemDocumentsIn");
        docsOut = getRuntimeContext().getMetricGroup().counter("tandemDocumentsOut");
        deadLettersOut = getRuntimeContext().getMetricGroup().counter("tandemDeadLetters");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Result> out) {
        docsIn.inc();
        Doc doc =
                annotator.annotate(
                        record,
                        deadLetter -> {
                            deadLettersOut.inc();
                            out.collect(deadLetter);
                        });
        if (doc != null) {
            docsOut.inc();
            out.collect(Result.output(doc));
        }
    }
}
