package io.tandem.job;

import io.tandem.options.TandemOptions;
import io.tandem.parse.AnnotateFunction;
import io.tandem.parse.DeadLetters;
import io.tandem.parse.DocParser;
import io.tandem.parse.ResultLine;
import io.tandem.pipeline.Pipeline;
import io.tandem.source.RawRecord;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Builds Tandem's job graph from options, with the source and the sink injected: the command line
 * wires the real ones, tests pass bounded test sources and collecting sinks.
 */
public final class TandemJob {
    private final Configuration options;
    private final Pipeline pipeline;
    private final int cpuWorkers;

    public TandemJob(Configuration options, Pipeline pipeline, int cpuWorkers) {
        if (cpuWorkers < 1) {
            throw new IllegalArgumentException("cpuWorkers must be >= 1, got " + cpuWorkers);
        }
        this.options = options;
        this.pipeline = pipeline;
        this.cpuWorkers = cpuWorkers;
    }

    /** Source to sink. The sink must accept ordered file output or run unordered. */
    public void attach(
            StreamExecutionEnvironment env,
            Source<RawRecord, ?, ?> source,
            int sourceParallelism,
            Sink<ResultLine> sink) {
        DataStream<RawRecord> input =
                env.fromSource(source, WatermarkStrategy.noWatermarks(), "input")
                        .setParallelism(sourceParallelism);
        annotate(input).sinkTo(sink).name("output").setParallelism(1);
    }

    /** The CPU task set: parse, run the pipeline, format; bad records become dead letters. */
    public DataStream<ResultLine> annotate(DataStream<RawRecord> input) {
        DocParser parser = new DocParser(options.get(TandemOptions.MAX_TEXT_CHARS));
        DeadLetters deadLetters =
                new DeadLetters(options.get(TandemOptions.DEAD_LETTER_MAX_RAW_BYTES));
        // Round-robin, as the reference hands documents to its CPU workers.
        return input.rebalance()
                .process(new AnnotateFunction(parser, pipeline, deadLetters))
                .name("annotate")
                .uid("annotate")
                .setParallelism(cpuWorkers);
    }
}
