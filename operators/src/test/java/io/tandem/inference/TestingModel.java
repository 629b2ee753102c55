package io.tandem.inference;

import io.tandem.doc.Doc;
import io.tandem.hf.TokenClassifierFeatures;
import io.tandem.ner.OnnxTokenClassifier;
import io.tandem.tensor.TensorMap;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The tiny token classifier with failures injected where a test asks for them: preprocessing or
 * collation throws on the document with a given id, the forward pass throws on its n-th call. It
 * counts the runners it opened and closed, so a test sees native resources released.
 */
public final class TestingModel extends ForwardingModelComponent<TokenClassifierFeatures> {
    private static final long serialVersionUID = 1L;

    private static final String NO_DOC = null;
    private static final int NO_CALL = 0;

    private final String failPreprocessOf;
    private final String failCollateOf;
    private final int failForwardCall;
    private final boolean failForwardOfMarker;

    /** A character of the tiny vocabulary that no sample note holds. */
    public static final String MARKER = "±";

    /** The features of {@code failCollateOf}, by identity: collate sees features, not documents. */
    private final Set<TokenClassifierFeatures> marked =
            Collections.newSetFromMap(new IdentityHashMap<>());

    private final AtomicInteger runnersOpened = new AtomicInteger();
    private final AtomicInteger runnersClosed = new AtomicInteger();
    private final AtomicInteger closes = new AtomicInteger();

    private TestingModel(
            String failPreprocessOf,
            String failCollateOf,
            int failForwardCall,
            boolean failForwardOfMarker) {
        super(OnnxTokenClassifier.tiny());
        this.failPreprocessOf = failPreprocessOf;
        this.failCollateOf = failCollateOf;
        this.failForwardCall = failForwardCall;
        this.failForwardOfMarker = failForwardOfMarker;
    }

    private TestingModel(String failPreprocessOf, String failCollateOf, int failForwardCall) {
        this(failPreprocessOf, failCollateOf, failForwardCall, false);
    }

    /** A forward pass throws when its batch holds a document with {@link #MARKER}. */
    public static TestingModel failingForwardOfMarker() {
        return new TestingModel(NO_DOC, NO_DOC, NO_CALL, true);
    }

    /** The message of the injected failure of a batch that holds the marker. */
    public static String markerFailure() {
        return "injected failure: the batch holds " + MARKER;
    }

    /** The tiny model, unchanged. */
    public static TestingModel tiny() {
        return new TestingModel(NO_DOC, NO_DOC, NO_CALL);
    }

    /** Preprocessing throws on the document with id {@code docId}. */
    public static TestingModel failingPreprocessOf(String docId) {
        return new TestingModel(docId, NO_DOC, NO_CALL);
    }

    /** Collating throws on a batch that holds the document with id {@code docId}. */
    public static TestingModel failingCollateOf(String docId) {
        return new TestingModel(NO_DOC, docId, NO_CALL);
    }

    /** The {@code call}-th forward pass of each runner (counted from 1) throws. */
    public static TestingModel failingForwardCall(int call) {
        return new TestingModel(NO_DOC, NO_DOC, call);
    }

    /** The message of the injected forward failure of call {@code call}. */
    public static String forwardFailure(int call) {
        return "injected failure of forward call " + call;
    }

    public int runnersOpened() {
        return runnersOpened.get();
    }

    public int runnersClosed() {
        return runnersClosed.get();
    }

    /** How many times the component itself was closed. */
    public int closes() {
        return closes.get();
    }

    /** Whether the real native tokenizer behind the component is loaded. */
    public boolean tokenizerLoaded() {
        return ((OnnxTokenClassifier) delegate).encoder().tokenizer().isLoaded();
    }

    @Override
    public void close() {
        closes.incrementAndGet();
        super.close();
    }

    @Override
    public TokenClassifierFeatures preprocess(Doc doc) {
        if (doc.id().equals(failPreprocessOf)) {
            throw new IllegalArgumentException("injected preprocessing failure of " + doc.id());
        }
        TokenClassifierFeatures features = delegate.preprocess(doc);
        if (doc.id().equals(failCollateOf)) {
            marked.add(features);
        }
        return features;
    }

    @Override
    public TensorMap collate(List<TokenClassifierFeatures> features) {
        if (features.stream().anyMatch(marked::contains)) {
            throw new IllegalArgumentException("injected collation failure of " + failCollateOf);
        }
        return delegate.collate(features);
    }

    private boolean holdsMarker(TensorMap batch) {
        int marker = markerId();
        for (long id : batch.get(OnnxTokenClassifier.INPUT_IDS).longs()) {
            if (id == marker) {
                return true;
            }
        }
        return false;
    }

    @Override
    public ForwardRunner openForward(ForwardContext context) throws Exception {
        ForwardRunner runner = delegate.openForward(context);
        runnersOpened.incrementAndGet();
        return new ForwardRunner() {
            private int calls;

            @Override
            public TensorMap forward(TensorMap batch) throws Exception {
                if (++calls == failForwardCall) {
                    throw new IllegalStateException(forwardFailure(calls));
                }
                if (failForwardOfMarker && holdsMarker(batch)) {
                    throw new IllegalStateException(markerFailure());
                }
                return runner.forward(batch);
            }

            @Override
            public void close() throws Exception {
                runnersClosed.incrementAndGet();
                runner.close();
            }
        };
    }

    /** The marker's one piece id in the model's own tokenizer. */
    private int markerId() {
        OnnxTokenClassifier classifier = (OnnxTokenClassifier) delegate;
        classifier.open();
        int[] ids = classifier.encoder().tokenizer().encode(MARKER).ids();
        if (ids.length != 1) {
            throw new IllegalStateException(MARKER + " is not one piece: " + ids.length);
        }
        return ids[0];
    }
}
