package io.tandem.parse;

import io.tandem.doc.Doc;
import io.tandem.results.Result;
import io.tandem.source.RawRecord;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.metrics.Counter;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;
import org.apache.flink.util.OutputTag;

/**
 * The head of the CPU task set when the pipeline has a model component: parse and run the
 * components before the model; documents go on to the batcher, dead letters to a side output.
 */
public final class ParseFunction extends ProcessFunction<RawRecord, Doc> {
    private static final long serialVersionUID = 1L;

    public static final OutputTag<Result> DEAD_LETTERS = new OutputTag<>("parse-dead-letters") {};

    private final Annotator annotator;
    private transient Counter docsIn;
    private transient Counter deadLettersOut;

    public ParseFunction(Annotator annotator) {
        this.annotator = annotator;
    }

    @Override
    public void open(OpenContext openContext) {
        annotator.open();
        docsIn = getRuntimeContext().getMetricGroup().counter("tandemDocumentsIn");
        deadLettersOut = getRuntimeContext().getMetricGroup().counter("tandemDeadLetters");
    }

    @Override
    public void processElement(RawRecord record, Context ctx, Collector<Doc> out) {
        docsIn.inc();
        Doc doc =
                annotator.annotate(
                        record,
                        deadLetter -> {
                            deadLettersOut.inc();
                            ctx.output(DEAD_LETTERS, deadLetter);
                        });
        if (doc != null) {
            out.collect(doc);
        }
    }
}
