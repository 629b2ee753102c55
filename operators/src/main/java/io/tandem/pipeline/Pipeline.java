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

    private Pipeline(List<PipelineComponent> components) {
        this.components = List.copyOf(components);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The bundled pipeline: tokens, sentences, norms, lexicon terms, dates, negation. */
    public static Pipeline defaultPipeline() {
        return PipelineConfig.loadResource(DEFAULT_RESOURCE);
    }

    public List<PipelineComponent> components() {
        return components;
    }

    /** The pipeline's model component (a {@link ModelChain} of several), if it has one. */
    public java.util.Optional<ModelComponent<?>> model() {
        return java.util.Optional.ofNullable(split().model());
    }

    /**
     * Splits at the model components, which are consecutive ({@link Builder#sanityCheck()}):
     * components before them run per document ahead of batching, components after them run per
     * document after postprocessing; several models run as one {@link ModelChain}. Without a model,
     * everything is "before".
     */
    public Split split() {
        int first = -1;
        int last = -1;
        List<ModelComponent<?>> models = new ArrayList<>();
        for (int i = 0; i < components.size(); i++) {
            if (components.get(i) instanceof ModelStep step) {
                first = first < 0 ? i : first;
                last = i;
                models.add(step.model());
            }
        }
        if (first < 0) {
            return new Split(this, null, new Pipeline(List.of()));
        }
        return new Split(
                new Pipeline(components.subList(0, first)),
                models.size() == 1 ? models.get(0) : new ModelChain(models),
                new Pipeline(components.subList(last + 1, components.size())));
    }

    /** A pipeline cut around its model component ({@code model} is null when it has none). */
    public record Split(Pipeline before, ModelComponent<?> model, Pipeline after) {}

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

        /** Fails with a message naming the misplaced component and how to fix the order. */
        public void sanityCheck() {
            if (components.isEmpty()) {
                throw new IllegalArgumentException("A pipeline needs at least one component");
            }
            Set<String> seen = new HashSet<>();
            int models = 0;
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
                    if (models++ > 0 && !(components.get(i - 1) instanceof ModelStep)) {
                        throw new IllegalArgumentException(
                                "Component '"
                                        + name
                                        + "' (position "
                                        + i
                                        + ") is a model component after a per-document one:"
                                        + " model components run as one batched stage, so they"
                                        + " must be consecutive");
                    }
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
            return new Pipeline(components);
        }
    }
}
