package io.tandem.job.bench;

import io.tandem.doc.SourcePosition;
import io.tandem.sample.SampleCorpus;
import io.tandem.source.RawRecord;
import io.tandem.source.SampleSource;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * {@link SampleSource}'s records, with each document's emission time recorded in its run's {@link
 * RunRecorder} (the generator is called when the rate limiter lets a record go).
 */
final class TimedSampleSource {
    private TimedSampleSource() {}

    static DataGeneratorSource<RawRecord> create(
            String runId, int count, RateLimiterStrategy rate) {
        return new DataGeneratorSource<>(
                new Generator(runId), count, rate, TypeInformation.of(RawRecord.class));
    }

    private static final class Generator implements GeneratorFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String runId;
        private transient SampleCorpus corpus;
        private transient RunRecorder recorder;

        Generator(String runId) {
            this.runId = runId;
        }

        @Override
        public RawRecord map(Long index) {
            if (corpus == null) {
                corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
                recorder = RunRecorder.of(runId);
            }
            byte[] json = corpus.generate(index).toJsonLine().getBytes(StandardCharsets.UTF_8);
            RawRecord record =
                    new RawRecord(
                            index, SourcePosition.fileLine(SampleSource.ORIGIN, index + 1), json);
            recorder.emitted(index, System.nanoTime());
            return record;
        }
    }
}
