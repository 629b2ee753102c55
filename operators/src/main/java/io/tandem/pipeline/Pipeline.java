package io.tandem.pipeline;

import io.tandem.classifier.SequenceClassifier;
import io.tandem.doc.Doc;
import io.tandem.inference.ModelComponent;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.pipeline.components.NegationQualifier;
import io.tandem.pipeline.components.Normalizer;
import io.tandem.pipeline.components.PipelineComponent;
import io.tandem.pipeline.components.RegexMatcher;
import io.tandem.pipeline.components.SentenceSegmenter;
import io.tandem.pipeline.components.TermMatcher;
import io.tandem.pipeline.components.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** An ordered list of components, shipped to the CPU subtasks and run on every document. */
public final class Pipeline implements Serializable {
    private static final long serialVersionUID = 1L;
    public static final String DEFAULT_RESOURCE = "io/tandem/pipeline/default-pipeline.yaml";

    /** Components that need tokens; the tokenizer must come before them. */
    private static final Set<String> NEEDS_TOKENS =
            Set.of(
                    SentenceSegmenter.NAME,
                    Normalizer.NAME,
                    TermMatcher.NAME,
                    NegationQualifier.NAME);

    private final List<PipelineComponent> components;
    private final boolean outputSentences;

    private Pipeline(List<PipelineComponent> components) {
        this(components, false);
    }

    private Pipeline(List<PipelineComponent> components, boolean outputSentences) {
        this.components = List.copyOf(components);
        this.outputSentences = outputSentences;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bundled pipeline: tokens, sentences, norms, lexicon terms, dates, negation. */
    public static Pipeline defaultPipeline() {
        return PipelineConfig.loadResource(DEFAULT_RESOURCE);
    }

    /**
     * Whether the output lists each document's sentences (offsets and attributes), as asked with
     * {@code output.sentences: true}.
     */
    public boolean outputSentences() {
        return outputSentences;
    }

    public List<PipelineComponent> components() {
        return components;
    }

    /** Whether the pipeline has a model component, hence at least one model stage. */
    public boolean hasModel() {
        return firstModel() >= 0;
    }

    /**
     * The pipeline's only model stage's model, if it has one; a pipeline of several stages has no
     * single model ({@link #split()} says so).
     */
    public java.util.Optional<ModelComponent<?>> model() {
        return java.util.Optional.ofNullable(split().model());
    }

    /**
     * Whether {@link #stages()} keeps a run of consecutive model components in one stage (a {@link
     * ModelChain}: one round trip to the inference subtask and one trip of the document per batch)
     * rather than a stage each. A stage each is the default: a chain pads every model's rows to the
     * document with most rows, so for {@code ner} + {@code embeddings} it sent 2.3 times the bytes
     * per document for the same throughput (BENCHMARKS.md).
     */
    public static final boolean CHAIN_CONSECUTIVE_MODELS = false;

    /** {@link #stages(boolean)} with the default {@link #CHAIN_CONSECUTIVE_MODELS}. */
    public Stages stages() {
        return stages(CHAIN_CONSECUTIVE_MODELS);
    }

    /**
     * Cuts the pipeline into stages at its model components, as edsnlp does at each deep-learning
     * component: the components before the first model run per document ahead of batching; each
     * stage is a model followed by the per-document components up to the next model, which run
     * after its postprocess. A pipeline without a model has no stage: everything is "before".
     *
     * @param chainConsecutiveModels keep a run of consecutive models as one stage (a {@link
     *     ModelChain}) instead of one stage per model
     */
    public Stages stages(boolean chainConsecutiveModels) {
        int first = firstModel();
        if (first < 0) {
            return new Stages(this, List.of());
        }
        List<ModelStage> stages = new ArrayList<>();
        int i = first;
        while (i < components.size()) {
            List<ModelComponent<?>> models = new ArrayList<>();
            do {
                models.add(((ModelStep) components.get(i++)).model());
            } while (chainConsecutiveModels
                    && i < components.size()
                    && components.get(i) instanceof ModelStep);
            int next = i;
            while (next < components.size() && !(components.get(next) instanceof ModelStep)) {
                next++;
            }
            stages.add(
                    new ModelStage(
                            models.size() == 1 ? models.get(0) : new ModelChain(models),
                            new Pipeline(components.subList(i, next))));
            i = next;
        }
        return new Stages(new Pipeline(components.subList(0, first)), List.copyOf(stages));
    }

    private int firstModel() {
        for (int i = 0; i < components.size(); i++) {
            if (components.get(i) instanceof ModelStep) {
                return i;
            }
        }
        return -1;
    }

    /**
     * The pipeline cut around its one model stage (see {@link #stages()}; {@code model} is null
     * when it has none).
     *
     * @throws IllegalStateException when rule components stand between models: such a pipeline has
     *     several stages
     */
    public Split split() {
        Stages stages = stages();
        if (stages.stages().isEmpty()) {
            return new Split(this, null, new Pipeline(List.of()));
        }
        if (stages.stages().size() > 1) {
            throw new IllegalStateException(
                    this
                            + " has "
                            + stages.stages().size()
                            + " model stages "
                            + stages.modelNames()
                            + ", expected one: run it by its stages()");
        }
        ModelStage only = stages.stages().get(0);
        return new Split(stages.before(), only.model(), only.after());
    }

    /** A pipeline cut around its model component ({@code model} is null when it has none). */
    public record Split(Pipeline before, ModelComponent<?> model, Pipeline after) {}

    /**
     * A pipeline cut into stages: the components before the first model, then each model stage in
     * pipeline order (none without a model).
     */
    public record Stages(Pipeline before, List<ModelStage> stages) implements Serializable {
        /** The stages' model names, in order. */
        public List<String> modelNames() {
            return stages.stream().map(stage -> stage.model().name()).toList();
        }
    }

    /**
     * A model (one component, or consecutive ones as a {@link ModelChain}) and the per-document
     * components that follow it up to the next model.
     */
    public record ModelStage(ModelComponent<?> model, Pipeline after) implements Serializable {}

    public void open() {
        components.forEach(PipelineComponent::open);
    }

    public void process(Doc doc) {
        for (PipelineComponent component : components) {
            component.process(doc);
        }
    }

    @Override
    public String toString() {
        return "Pipeline" + components.stream().map(PipelineComponent::name).toList();
    }

    /** Builds a pipeline in code; {@link #build()} runs {@link #sanityCheck()}. */
    public static final class Builder {
        private final List<PipelineComponent> components = new ArrayList<>();
        private boolean outputSentences;

        public Builder tokenizer() {
            return add(new Tokenizer());
        }

        public Builder sentences() {
            return add(new SentenceSegmenter());
        }

        public Builder normalizer() {
            return add(new Normalizer());
        }

        public Builder terms(Map<String, List<String>> termsByLabel) {
            return add(new TermMatcher(termsByLabel, new Normalizer()));
        }

        public Builder regex(Map<String, List<String>> patternsByLabel) {
            return add(new RegexMatcher(patternsByLabel, true));
        }

        public Builder negation(String... languages) {
            return add(NegationQualifier.forLanguages(List.of(languages)));
        }

        public Builder model(ModelComponent<?> model) {
            return add(new ModelStep(model));
        }

        public Builder add(PipelineComponent component) {
            components.add(component);
            return this;
        }

        /** Lists each document's sentences in the output ({@code output.sentences: true}). */
        public Builder outputSentences(boolean outputSentences) {
            this.outputSentences = outputSentences;
            return this;
        }

        /** Fails with a message naming the misplaced component and how to fix the order. */
        public void sanityCheck() {
            if (components.isEmpty()) {
                throw new IllegalArgumentException("A pipeline needs at least one component");
            }
            if (outputSentences && indexOf(SentenceSegmenter.NAME) < 0) {
                throw new IllegalArgumentException(
                        "output.sentences: true lists each document's sentences, but no component"
                                + " makes them: add a 'sentences' component");
            }
            Set<String> seen = new HashSet<>();
            Set<String> modelNames = new HashSet<>();
            for (int i = 0; i < components.size(); i++) {
                String name = components.get(i).name();
                if (name.equals(Tokenizer.NAME) && seen.contains(Tokenizer.NAME)) {
                    throw new IllegalArgumentException(
                            "Component 'tokenizer' appears twice (positions "
                                    + (indexOf(Tokenizer.NAME))
                                    + " and "
                                    + i
                                    + "): a second tokenizer would discard the first one's work");
                }
                if (NEEDS_TOKENS.contains(name) && !seen.contains(Tokenizer.NAME)) {
                    throw new IllegalArgumentException(
                            "Component '"
                                    + name
                                    + "' (position "
                                    + i
                                    + ") needs tokens: put 'tokenizer' before it");
                }
                if (name.equals(NegationQualifier.NAME) && !seen.contains(SentenceSegmenter.NAME)) {
                    throw new IllegalArgumentException(
                            "Component 'negation' (position "
                                    + i
                                    + ") needs sentences: put 'sentences' before it");
                }
                if (components.get(i) instanceof ModelStep) {
                    if (modelNames.contains(name)) {
                        throw new IllegalArgumentException(
                                "Model component name '"
                                        + name
                                        + "' (position "
                                        + i
                                        + ") is used twice: give each model its own 'name'");
                    }
                    modelNames.add(name);
                }
                seen.add(name);
            }
            checkClassifierInputs();
        }

        /**
         * A classifier's target must be made before it: sentences by a {@code sentences} component,
         * entities by one that makes entities, of a label its {@code labels} filter names.
         */
        private void checkClassifierInputs() {
            boolean sentences = false;
            Set<String> entityLabels = new LinkedHashSet<>();
            boolean entities = false;
            for (int i = 0; i < components.size(); i++) {
                PipelineComponent component = components.get(i);
                if (component instanceof ModelStep step
                        && step.model() instanceof SequenceClassifier classifier) {
                    String where =
                            "Component '"
                                    + classifier.name()
                                    + "' (position "
                                    + i
                                    + ", type classifier) runs on: "
                                    + classifier.target().key();
                    if (classifier.target() == SequenceClassifier.Target.SENTENCES && !sentences) {
                        throw new IllegalArgumentException(
                                where + " but no 'sentences' component comes before it");
                    }
                    if (classifier.target() == SequenceClassifier.Target.ENTITIES) {
                        if (!entities) {
                            throw new IllegalArgumentException(
                                    where
                                            + " but no component before it makes entities"
                                            + " (terms, regex, ner)");
                        }
                        if (!classifier.entityLabels().isEmpty()
                                && classifier.entityLabels().stream()
                                        .noneMatch(entityLabels::contains)) {
                            throw new IllegalArgumentException(
                                    where
                                            + " with labels "
                                            + classifier.entityLabels()
                                            + " but the components before it make only "
                                            + entityLabels);
                        }
                    }
                }
                if (component instanceof SentenceSegmenter) {
                    sentences = true;
                }
                Set<String> made = entityLabelsOf(component);
                if (made != null) {
                    entities = true;
                    entityLabels.addAll(made);
                }
            }
        }

        /** The labels of the entities a component makes; null if it makes none. */
        private static Set<String> entityLabelsOf(PipelineComponent component) {
            if (component instanceof TermMatcher terms) {
                return terms.termsByLabel().keySet();
            }
            if (component instanceof RegexMatcher regex) {
                return regex.labels();
            }
            if (component instanceof ModelStep step
                    && step.model() instanceof OnnxTokenClassifier ner) {
                return ner.entityLabels();
            }
            return null;
        }

        private int indexOf(String name) {
            for (int i = 0; i < components.size(); i++) {
                if (components.get(i).name().equals(name)) {
                    return i;
                }
            }
            return -1;
        }

        public Pipeline build() {
            sanityCheck();
            return new Pipeline(components, outputSentences);
        }
    }
}
