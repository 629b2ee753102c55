package io.tandem.job.bench;

import io.tandem.classifier.SequenceClassifier;
import io.tandem.doc.Doc;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.job.hf.KnownAnswerClassifiers;
import io.tandem.job.hf.MiniLmExport;
import io.tandem.models.ClassifierHead;
import io.tandem.models.SequenceHead;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.Pipeline;
import io.tandem.sample.SampleCorpus;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Entities per second of the entity classifier ({@code on: entities}, markers, 100 characters of
 * context within the sentence) against the token classifier ({@code ner}) on the same documents,
 * both on the real MiniLM encoder with a linear head, in one JVM: the sample notes after the
 * bundled rule pipeline (whose terms are the entities), each component's preprocess, collate,
 * forward pass and postprocess in batches of {@code batch} documents, ONNX Runtime with 2 threads.
 * A program, not a test:
 *
 * <pre>java -cp ... io.tandem.job.bench.EntityClassifierBenchmark [docs] [rounds] [batch]</pre>
 */
public final class EntityClassifierBenchmark {
    private EntityClassifierBenchmark() {}

    public static void main(String[] args) throws Exception {
        int count = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 2;
        int batch = args.length > 2 ? Integer.parseInt(args[2]) : 16;
        Path work = Files.createTempDirectory("tandem-entity-classifier-bench");
        Path miniLm = MiniLmExport.layOut(work.resolve("minilm"));
        int hidden = MiniLmExport.HIDDEN;
        // Speed does not depend on the weights: small seeded ones, so no answer is degenerate.
        java.util.Random random = new java.util.Random(7);
        float[] sequenceWeight = new float[hidden * 2];
        for (int i = 0; i < sequenceWeight.length; i++) {
            sequenceWeight[i] = (float) random.nextGaussian() * 0.05f;
        }
        Path negated =
                KnownAnswerClassifiers.layOut(
                        miniLm,
                        work.resolve("negated"),
                        SequenceHead.attach(
                                MiniLmExport.onnxBytes(),
                                hidden,
                                SequenceHead.Pooling.atToken(1),
                                sequenceWeight,
                                new float[2]),
                        List.of("false", "true"),
                        true);
        List<String> bio = List.of("O", "B-DRUG", "I-DRUG");
        float[] tokenWeight = new float[hidden * bio.size()];
        for (int i = 0; i < tokenWeight.length; i++) {
            tokenWeight[i] = (float) random.nextGaussian() * 0.05f;
        }
        Path ner =
                KnownAnswerClassifiers.layOut(
                        miniLm,
                        work.resolve("ner"),
                        ClassifierHead.attach(
                                MiniLmExport.onnxBytes(), hidden, tokenWeight, new float[3]),
                        bio,
                        false);
        SequenceClassifier entityClassifier =
                SequenceClassifier.builder()
                        .name("negated")
                        .model(negated.toString())
                        .on(SequenceClassifier.Target.ENTITIES)
                        .markers(KnownAnswerClassifiers.MARKERS)
                        .context(100)
                        .withinSentence(true)
                        .build();
        OnnxTokenClassifier tokenClassifier =
                OnnxTokenClassifier.builder().name("ner").model(ner.toString()).build();

        Pipeline rules = Pipeline.defaultPipeline().split().before();
        rules.open();
        SampleCorpus corpus = new SampleCorpus();
        List<Doc> docs = new ArrayList<>(count);
        long entities = 0;
        for (int i = 0; i < count; i++) {
            Doc doc = corpus.generate(i).toDoc();
            rules.process(doc);
            entities += doc.entities().size();
            docs.add(doc);
        }
        double bestClassifier = Double.MAX_VALUE;
        double bestTokens = Double.MAX_VALUE;
        for (int round = 0; round <= rounds; round++) {
            // Round 0 warms both up; the best of the others counts.
            double classifierSeconds = time(entityClassifier, docs, batch);
            double tokenSeconds = time(tokenClassifier, docs, batch);
            if (round > 0) {
                bestClassifier = Math.min(bestClassifier, classifierSeconds);
                bestTokens = Math.min(bestTokens, tokenSeconds);
            }
        }
        System.out.printf(
                "documents=%d entities=%d (%.1f per document) batch=%d%n"
                        + "entity_classifier: %.1f entities/s (%.1f docs/s)%n"
                        + "token_classifier:  %.1f entities/s (%.1f docs/s)%n"
                        + "ratio entity_classifier / token_classifier = %.2f%n",
                count,
                entities,
                (double) entities / count,
                batch,
                entities / bestClassifier,
                count / bestClassifier,
                entities / bestTokens,
                count / bestTokens,
                bestTokens / bestClassifier);
    }

    /** Seconds for the four steps over {@code docs}, on copies so that nothing accumulates. */
    private static <F extends Serializable> double time(
            ModelComponent<F> component, List<Doc> docs, int batch) throws Exception {
        component.open();
        try (ForwardRunner runner = component.openForward(ForwardContext.cpu(2))) {
            long start = System.nanoTime();
            for (int from = 0; from < docs.size(); from += batch) {
                List<Doc> part = new ArrayList<>();
                for (Doc doc : docs.subList(from, Math.min(docs.size(), from + batch))) {
                    part.add(io.tandem.doc.DocSerializer.INSTANCE.copy(doc));
                }
                List<F> features = new ArrayList<>(part.size());
                for (Doc doc : part) {
                    features.add(component.preprocess(doc));
                }
                component.postprocess(part, features, runner.forward(component.collate(features)));
            }
            return (System.nanoTime() - start) / 1e9;
        } finally {
            component.close();
        }
    }
}
