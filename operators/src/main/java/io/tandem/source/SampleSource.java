package io.tandem.source;

import io.tandem.doc.SourcePosition;
import io.tandem.sample.SampleCorpus;
import java.nio.charset.StandardCharsets;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.source.util.ratelimit.RateLimiterStrategy;
import org.apache.flink.connector.datagen.source.DataGeneratorSource;
import org.apache.flink.connector.datagen.source.GeneratorFunction;

/**
 * The bundled synthetic corpus as a bounded source: document {@code i} is generated from the seed
 * and {@code i} alone, so any subtask can generate any slice and the result is the same at every
 * parallelism. Records carry the JSON text a file would hold, so they go through the same parser.
 */
public final class SampleSource {
    public static final String ORIGIN = "sample";

    private SampleSource() {}

    public static DataGeneratorSource<RawRecord> create(long count) {
        return create(count, RateLimiterStrategy.noOp());
    }

    public static DataGeneratorSource<RawRecord> create(long count, RateLimiterStrategy rate) {
        return new DataGeneratorSource<>(
                new Generator(), count, rate, TypeInformation.of(RawRecord.class));
    }

    private static final class Generator implements GeneratorFunction<Long, RawRecord> {
        private static final long serialVersionUID = 1L;
        private transient SampleCorpus corpus;

        @Override
        public RawRecord map(Long index) {
            if (corpus == null) {
                corpus = new SampleCorpus(SampleCorpus.DEFAULT_SEED);
            }
            byte[] json = corpus.generate(index).toJsonLine().getBytes(StandardCharsets.UTF_8);
            return new RawRecord(index, SourcePosition.fileLine(ORIGIN, index + 1), json);
        }
    }
}
