package io.tandem.job.bench;

import io.tandem.results.Result;
import java.util.PriorityQueue;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.WriterInitContext;

/**
 * Discards result lines, recording when each document reached it. In ordered mode it first puts the
 * lines back in sequence order, as the file sink does for deterministic output, and a line
 * "arrives" when it is released in order: the cost of ordering is part of what it measures.
 */
final class ArrivalSink implements Sink<Result> {
    private static final long serialVersionUID = 1L;

    private final String runId;
    private final boolean ordered;

    ArrivalSink(String runId, boolean ordered) {
        this.runId = runId;
        this.ordered = ordered;
    }

    @Override
    public SinkWriter<Result> createWriter(WriterInitContext context) {
        return new Writer(RunRecorder.of(runId), ordered);
    }

    private static final class Writer implements SinkWriter<Result> {
        private final RunRecorder recorder;
        private final boolean ordered;
        private final PriorityQueue<Long> waiting = new PriorityQueue<>();
        private long nextSeq;

        Writer(RunRecorder recorder, boolean ordered) {
            this.recorder = recorder;
            this.ordered = ordered;
        }

        @Override
        public void write(Result result, Context context) {
            if (!ordered) {
                recorder.arrived(result.seq(), System.nanoTime());
                return;
            }
            waiting.add(result.seq());
            if (result.seq() != nextSeq) {
                return;
            }
            long now = System.nanoTime();
            while (!waiting.isEmpty() && waiting.peek() == nextSeq) {
                recorder.arrived(waiting.poll(), now);
                nextSeq++;
            }
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public void close() {}
    }
}
