package io.tandem.job.bench;

import io.tandem.doc.SourcePosition;
import io.tandem.sample.LengthProfile;
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
        return create(runId, count, rate, null, LengthProfile.DEFAULT);
    }

    /**
     * @param corpusIndices which sample documents the records are, in order (record {@code i} is
     *     document {@code corpusIndices[i]}); null: the first {@code count}
     * @param lengths the sample corpus's length profile
     */
    static DataGeneratorSource<RawRecord> create(
            String runId,
            int count,
            RateLimiterStrategy rate,
            long[] corpusIndices,
            LengthProfile lengths) {
        if (corpusIndices != null && corpusIndices.length < count) {
            throw new IllegalArgumentException(
                    count + " records asked for, but only " + corpusIndices.length + " indices");
        }
        return new DataGeneratorSource<>(
                new Generator(runId, corpusIndices, lengths),
                count,
                rate,
                TypeInformation.of(RawRecord.class));
    }

    private static final class Generator implements GeneratorFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private final String runId;
        private final long[] corpusIndices;
        private final LengthProfile lengths;
        private transient SampleCorpus corpus;
        private transient RunRecorder recorder;

        Generator(String runId, long[] corpusIndices, LengthProfile lengths) {
            this.runId = runId;
            this.corpusIndices = corpusIndices;
            this.lengths = lengths;
        }

        @Override
        public RawRecord map(Long index) {
            if (corpus == null) {
                corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED, lengths);
                recorder = RunRecorder.of(runId);
            }
            long document = corpusIndices == null ? index : corpusIndices[(int) (long) index];
            byte[] json = corpus.generate(document).toJsonLine().getBytes(StandardCharsets.UTF_8);
            RawRecord record =
                    new RawRecord(
                            index, SourcePosition.fileLine(SampleSource.ORIGIN, index + 1), json);
            recorder.emitted(index, System.nanoTime());
            return record;
        }
    }
}
