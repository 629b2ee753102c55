package io.tandem.batching;

import io.tandem.doc.Doc;
import io.tandem.results.Result;
import java.io.Serializable;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.streaming.api.operators.Output;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * Where a model stage's finished documents go. The last stage emits the job's results; an earlier
 * stage hands each document on to the next stage's batcher (chained behind it, so the document is
 * passed as an object) and sends its dead letters to the {@link AbstractBatcher#DEAD_LETTERS} side
 * output, which bypasses the later stages.
 *
 * @param <OUT> what the stage's operator emits: {@link Result} or {@link Doc}
 */
public abstract class StageOutput<OUT> implements Serializable {
    private static final long serialVersionUID = 1L;

    private StageOutput() {}

    /** The last stage: documents and dead letters both leave as results. */
    public static StageOutput<Result> results() {
        return new Results();
    }

    /** A stage followed by another: documents on to its batcher, dead letters aside. */
    public static StageOutput<Doc> nextStage() {
        return new NextStage();
    }

    /** Emits one finished document or dead letter. */
    public abstract void emit(Result result, Output<StreamRecord<OUT>> output);

    /** The type of the main output. */
    public abstract TypeInformation<OUT> type();

    /** Whether this is the last stage's output: results, with no dead-letter side output. */
    public abstract boolean isLast();

    private static final class Results extends StageOutput<Result> {
        private static final long serialVersionUID = 1L;

        @Override
        public void emit(Result result, Output<StreamRecord<Result>> output) {
            output.collect(new StreamRecord<>(result));
        }

        @Override
        public TypeInformation<Result> type() {
            return TypeInformation.of(Result.class);
        }

        @Override
        public boolean isLast() {
            return true;
        }
    }

    private static final class NextStage extends StageOutput<Doc> {
        private static final long serialVersionUID = 1L;

        @Override
        public void emit(Result result, Output<StreamRecord<Doc>> output) {
            if (result.isDeadLetter()) {
                output.collect(AbstractBatcher.DEAD_LETTERS, new StreamRecord<>(result));
            } else {
                output.collect(new StreamRecord<>(result.doc()));
            }
        }

        @Override
        public TypeInformation<Doc> type() {
            return TypeInformation.of(Doc.class);
        }

        @Override
        public boolean isLast() {
            return false;
        }
    }
}
