package io.tandem.job.split;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.tandem.doc.Doc;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.job.TandemJob;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.records.OutputBatch;
import io.tandem.records.TensorBatch;
import io.tandem.sample.SampleCorpus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two inference subtasks in one TaskManager bind distinct GPU indices. A MiniCluster never hands
 * external resources to operators (docs/ARCHITECTURE.md), so the GPUs are declared the way a
 * MiniCluster can: as configured device indices ({@code --gpu-devices 0,1}); GpuAssignerTest covers
 * indices read from Flink's external resource infos. Without CUDA the AUTO device falls back to the
 * CPU execution provider, so the forward passes still run.
 */
class DeviceBindingITCase {
    @RegisterExtension
    static final MiniClusterExtension MINI_CLUSTER =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(4)
                            .build());

    @Test
    void twoInferenceSubtasksBindDistinctDevices() throws Exception {
        OnnxTokenClassifier model = OnnxTokenClassifier.tiny();
        Pipeline rules = Pipeline.builder().tokenizer().build();
        rules.open();
        SampleCorpus corpus = new SampleCorpus();
        List<TensorBatch> batches = new ArrayList<>();
        for (int producer = 0; producer < 2; producer++) {
            for (int seq = 0; seq < 6; seq++) {
                List<TokenClassifierFeatures> features = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    var sample = corpus.generate(producer * 100 + seq * 4 + i);
                    Doc doc = new Doc(sample.id(), sample.text(), 0, null, null);
                    rules.process(doc);
                    features.add(model.preprocess(doc));
                }
                batches.add(
                        new TensorBatch(
                                producer,
                                2,
                                seq,
                                model.collate(features),
                                features.stream().mapToInt(model::rowsOf).toArray()));
            }
        }

        Configuration options = new Configuration();
        options.set(PipelineOptions.GENERIC_TYPES, false);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(options);
        TandemJob job = new TandemJob(options, Pipeline.defaultPipeline(), 2, 2, List.of(0, 1));
        Map<Integer, Set<Integer>> devicesByProducer = new HashMap<>();
        int outputs = 0;
        try (CloseableIterator<OutputBatch> it =
                job.inference(
                                env.fromData(
                                                TypeInformation.of(TensorBatch.class),
                                                batches.toArray(new TensorBatch[0]))
                                        .setParallelism(1)
                                        .rebalance()
                                        .map(b -> b, TypeInformation.of(TensorBatch.class))
                                        .setParallelism(2),
                                model)
                        .executeAndCollect()) {
            while (it.hasNext()) {
                OutputBatch out = it.next();
                assertEquals(List.of(), out.failures());
                devicesByProducer
                        .computeIfAbsent(out.producer(), p -> new HashSet<>())
                        .add(out.device());
                outputs++;
            }
        }
        assertEquals(12, outputs);
        // With P = C = 2 the schedule gives each producer one consumer, so each producer's
        // batches all ran on one subtask, and the two subtasks hold distinct devices.
        assertEquals(1, devicesByProducer.get(0).size());
        assertEquals(1, devicesByProducer.get(1).size());
        Set<Integer> all = new HashSet<>(devicesByProducer.get(0));
        all.addAll(devicesByProducer.get(1));
        assertEquals(Set.of(0, 1), all);
    }
}
