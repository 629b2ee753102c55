package io.tandem.pipeline;

import io.tandem.doc.Doc;
import io.tandem.inference.BatchStats;
import io.tandem.inference.ForwardContext;
import io.tandem.inference.ForwardRunner;
import io.tandem.inference.ModelComponent;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * Several model components as one: a pipeline with consecutive model components (a NER model then
 * an embedder, two NER models) runs them in one batched stage. Each batch carries every model's
 * inputs, named {@code <index>/<input>}; the forward runner holds one runner per model and runs
 * them in order; postprocess hands each model its own outputs, in pipeline order.
 *
 * <p>Each model takes its own rows per document (its windows), so every tensor of a chain batch
 * holds one row per document: a model's rows are grouped by document ({@link Tensor#groupRows}),
 * padded to the document with most rows, and a {@code rows} tensor [documents, models] says how
 * many of each group are real. A failing batch then splits between documents as any other, and the
 * runner ungroups each model's part before its forward pass, so padding rows are never run.
 *
 * <p>So a batch costs one round trip to the inference subtask whatever the number of models, and a
 * document's bytes on the batch edges are the sum of each model's inputs and outputs. Every model
 * preprocesses the document as the components before the chain left it: a model cannot read what an
 * earlier model of the same chain wrote (postprocess of each runs in order, so the merging of
 * entities is as if they ran one after the other).
 */
public final class ModelChain implements ModelComponent<ModelChain.Features> {
    private static final long serialVersionUID = 1L;
    private static final String SEPARATOR = "/";

    /** The tensor of each document's rows per model, [documents, models] int32. */
    static final String ROWS = "rows";

    private final List<ModelComponent<?>> models;

    public ModelChain(List<ModelComponent<?>> models) {
        if (models.size() < 2) {
            throw new IllegalArgumentException(
                    "A model chain needs at least two models, got " + models.size());
        }
        this.models = List.copyOf(models);
    }

    public List<ModelComponent<?>> models() {
        return models;
    }

    /** One document's features for each model, in chain order. */
    public static final class Features implements Serializable {
        private static final long serialVersionUID = 1L;
        private final ArrayList<Serializable> perModel;

        Features(ArrayList<Serializable> perModel) {
            this.perModel = perModel;
        }

        Serializable of(int model) {
            return perModel.get(model);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Features f && f.perModel.equals(perModel);
        }

        @Override
        public int hashCode() {
            return perModel.hashCode();
        }
    }

    @Override
    public String name() {
        return String.join("+", models.stream().map(ModelComponent::name).toList());
    }

    @Override
    public void open() throws Exception {
        for (ModelComponent<?> model : models) {
            model.open();
        }
    }

    @Override
    public Features preprocess(Doc doc) {
        ArrayList<Serializable> perModel = new ArrayList<>(models.size());
        for (ModelComponent<?> model : models) {
            perModel.add(model.preprocess(doc));
        }
        return new Features(perModel);
    }

    @Override
    public TensorMap collate(List<Features> features) {
        List<Tensor> tensors = new ArrayList<>();
        int[] rows = new int[features.size() * models.size()];
        for (int m = 0; m < models.size(); m++) {
            int[] docRows = docRows(models.get(m), m, features);
            for (int i = 0; i < docRows.length; i++) {
                rows[i * models.size() + m] = docRows[i];
            }
            for (Tensor t : collate(models.get(m), m, features).tensors()) {
                tensors.add(t.groupRows(docRows).withName(m + SEPARATOR + t.name()));
            }
        }
        tensors.add(Tensor.ofInts(ROWS, new long[] {features.size(), models.size()}, rows));
        return TensorMap.of(tensors);
    }

    private static <F extends Serializable> TensorMap collate(
            ModelComponent<F> model, int index, List<Features> features) {
        return model.collate(own(index, features));
    }

    @SuppressWarnings("unchecked")
    private static <F extends Serializable> List<F> own(int index, List<Features> features) {
        List<F> own = new ArrayList<>(features.size());
        for (Features f : features) {
            own.add((F) f.of(index));
        }
        return own;
    }

    /** Each document's rows in model {@code index}. */
    private static <F extends Serializable> int[] docRows(
            ModelComponent<F> model, int index, List<Features> features) {
        List<F> own = own(index, features);
        int[] rows = new int[own.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = model.rowsOf(own.get(i));
        }
        return rows;
    }

    /** The rows per document that model {@code index}'s tensors are grouped in. */
    private static int groupWidth(TensorMap batch, int index) {
        String prefix = index + SEPARATOR;
        for (Tensor t : batch.tensors()) {
            if (t.name().startsWith(prefix)) {
                return Math.toIntExact(t.dim(1));
            }
        }
        throw new IllegalArgumentException("No tensor of model " + index + " in " + batch);
    }

    /** Column {@code index} of the {@code rows} tensor: each document's rows in that model. */
    private static int[] docRows(TensorMap batch, int index) {
        Tensor rows = batch.get(ROWS);
        int models = (int) rows.dim(1);
        int[] all = rows.ints();
        int[] docRows = new int[(int) rows.dim(0)];
        for (int i = 0; i < docRows.length; i++) {
            docRows[i] = all[i * models + index];
        }
        return docRows;
    }

    /**
     * The tensors of model {@code index}, under their own names and with the model's own rows
     * ({@code docRows} of them per document).
     */
    static TensorMap part(TensorMap tensors, int index, int[] docRows) {
        String prefix = index + SEPARATOR;
        List<Tensor> part = new ArrayList<>();
        for (Tensor t : tensors.tensors()) {
            if (t.name().startsWith(prefix)) {
                part.add(t.ungroupRows(docRows).withName(t.name().substring(prefix.length())));
            }
        }
        return TensorMap.of(part);
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        List<ForwardRunner> runners = new ArrayList<>(models.size());
        try {
            for (ModelComponent<?> model : models) {
                runners.add(model.openForward(context));
            }
        } catch (Exception | Error e) {
            closeAll(runners, e);
            throw e;
        }
        return new ChainRunner(runners);
    }

    private static void closeAll(List<ForwardRunner> runners, Throwable failure) {
        for (ForwardRunner runner : runners) {
            try {
                runner.close();
            } catch (Exception e) {
                failure.addSuppressed(e);
            }
        }
    }

    /** Runs each model on its part of the batch, in chain order. */
    private static final class ChainRunner implements ForwardRunner {
        private final List<ForwardRunner> runners;

        ChainRunner(List<ForwardRunner> runners) {
            this.runners = runners;
        }

        @Override
        public TensorMap forward(TensorMap batch) throws Exception {
            List<Tensor> outputs = new ArrayList<>();
            for (int m = 0; m < runners.size(); m++) {
                int[] docRows = docRows(batch, m);
                // A part of a split batch keeps the batch's width, so its outputs join the others.
                int width = groupWidth(batch, m);
                for (Tensor t : runners.get(m).forward(part(batch, m, docRows)).tensors()) {
                    outputs.add(t.groupRows(docRows, width).withName(m + SEPARATOR + t.name()));
                }
            }
            return TensorMap.of(outputs);
        }

        /**
         * Every model's runner: a request stands in each until reset, so it stops whichever model
         * runs, or the next one when it comes between two models.
         */
        @Override
        public void terminate() {
            runners.forEach(ForwardRunner::terminate);
        }

        @Override
        public void resetTerminate() {
            runners.forEach(ForwardRunner::resetTerminate);
        }

        @Override
        public void close() throws Exception {
            Exception failure = new Exception("Closing the runners of a model chain failed");
            closeAll(runners, failure);
            if (failure.getSuppressed().length > 0) {
                throw failure;
            }
        }
    }

    @Override
    public void postprocess(List<Doc> docs, List<Features> features, TensorMap outputs) {
        for (int m = 0; m < models.size(); m++) {
            postprocess(models.get(m), m, docs, features, outputs);
        }
    }

    private static <F extends Serializable> void postprocess(
            ModelComponent<F> model,
            int index,
            List<Doc> docs,
            List<Features> features,
            TensorMap outputs) {
        model.postprocess(
                docs, own(index, features), part(outputs, index, docRows(model, index, features)));
    }

    @Override
    public void close() {
        RuntimeException failure = null;
        for (ModelComponent<?> model : models) {
            try {
                model.close();
            } catch (RuntimeException e) {
                // The others are closed all the same.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** The first model's token counts: every model sees the same documents. */
    @Override
    public BatchStats batchStats(TensorMap batch) {
        return models.get(0).batchStats(part(batch, 0, docRows(batch, 0)));
    }

    @Override
    public String toString() {
        return "ModelChain" + models;
    }
}
