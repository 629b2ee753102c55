package io.tandem.hf;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import ai.djl.huggingface.tokenizers.jni.CharSpan;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tandem.inference.ModelLocation;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Hugging Face {@code tokenizer.json} run by Hugging Face's own tokenizers library (through DJL's
 * JNI binding, whose jar carries the native library: nothing is downloaded). Any model the library
 * knows works: WordPiece (cased or not), BPE, Unigram (SentencePiece) and WordLevel.
 *
 * <p>{@link #encode} returns the pieces of a text WITHOUT special tokens, with offsets in UTF-16
 * units of the original text (the library counts code points; they differ after an emoji or any
 * other character outside the Basic Multilingual Plane) and the index of the word each piece
 * belongs to. The special tokens that wrap a single sequence ({@code [CLS] ... [SEP]}, {@code <s>
 * ... </s>}) are read once, when the tokenizer is first loaded on the client, and kept in {@link
 * SpecialTokens}, so collation and postprocessing never need the native library.
 *
 * <p>Ships serialized without the native tokenizer, which each subtask loads on first use; {@link
 * #close()} releases it.
 */
public final class HfTokenizer implements Serializable, AutoCloseable {
    private static final long serialVersionUID = 1L;

    /** Tokenizer models of {@code tokenizer.json} that this class accepts. */
    public static final Set<String> SUPPORTED_MODELS =
            Set.of("WordPiece", "BPE", "Unigram", "WordLevel");

    /** Specials are added by collation, per window; documents are never truncated or padded. */
    private static final Map<String, String> OPTIONS =
            Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false");

    private static final List<String> PAD_TOKENS = List.of("[PAD]", "<pad>", "<PAD>");

    private final ModelLocation location;
    private final String modelType;
    private final SpecialTokens specials;
    private final int vocabularySize;

    private transient HuggingFaceTokenizer tokenizer;

    private HfTokenizer(
            ModelLocation location, String modelType, SpecialTokens specials, int vocabularySize) {
        this.location = location;
        this.modelType = modelType;
        this.specials = specials;
        this.vocabularySize = vocabularySize;
    }

    /**
     * Reads and checks {@code tokenizer.json}, loads it once to learn its special tokens, and
     * releases it.
     *
     * @throws IllegalArgumentException naming the file when it is missing, not JSON, of an
     *     unsupported model type or refused by the library
     */
    public static HfTokenizer load(ModelLocation location) {
        JsonNode json = readJson(location);
        JsonNode model = json.path("model");
        String type = model.path("type").asText("");
        if (type.isEmpty() && model.has("vocab") && model.has("merges")) {
            type = "BPE"; // older exports omit the BPE model's type
        }
        if (!SUPPORTED_MODELS.contains(type)) {
            throw new IllegalArgumentException(
                    "Tokenizer "
                            + location
                            + " has model type '"
                            + type
                            + "'; supported: "
                            + SUPPORTED_MODELS.stream().sorted().toList());
        }
        HfTokenizer probe = new HfTokenizer(location, type, null, 0);
        try {
            HuggingFaceTokenizer native_ = probe.tokenizer();
            SpecialTokens specials = readSpecials(native_, padId(json));
            return new HfTokenizer(location, type, specials, vocabularySize(json));
        } finally {
            probe.close();
        }
    }

    private static JsonNode readJson(ModelLocation location) {
        try (InputStream in = location.open()) {
            return new ObjectMapper().readTree(in);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "Cannot read tokenizer " + location + " as JSON: " + e.getMessage(), e);
        }
    }

    /**
     * The largest id the tokenizer can produce, plus one: over its model's vocabulary (a map of
     * piece to id; for Unigram a list whose positions are the ids) and its added tokens.
     */
    private static int vocabularySize(JsonNode json) {
        JsonNode vocab = json.path("model").path("vocab");
        int largest = vocab.isArray() ? vocab.size() - 1 : -1;
        if (vocab.isObject()) {
            for (JsonNode id : vocab) {
                largest = Math.max(largest, id.asInt(-1));
            }
        }
        for (JsonNode added : json.path("added_tokens")) {
            largest = Math.max(largest, added.path("id").asInt(-1));
        }
        return largest + 1;
    }

    /** {@code padding.pad_id}, else the id of a usual pad token among the added tokens, else 0. */
    private static int padId(JsonNode json) {
        JsonNode padding = json.path("padding");
        if (padding.has("pad_id")) {
            return padding.get("pad_id").asInt();
        }
        for (JsonNode added : json.path("added_tokens")) {
            if (PAD_TOKENS.contains(added.path("content").asText())) {
                return added.path("id").asInt();
            }
        }
        // Padding positions are masked out, so any id inside the vocabulary does.
        return 0;
    }

    /**
     * The specials around one sequence: encode a short text with them and split at its first and
     * last ordinary piece.
     */
    private static SpecialTokens readSpecials(HuggingFaceTokenizer tokenizer, int padId) {
        Encoding encoding = tokenizer.encode("a b", true, false);
        long[] ids = encoding.getIds();
        long[] special = encoding.getSpecialTokenMask();
        int first = 0;
        while (first < ids.length && special[first] == 1) {
            first++;
        }
        int last = ids.length;
        while (last > first && special[last - 1] == 1) {
            last--;
        }
        return new SpecialTokens(
                toInts(Arrays.copyOfRange(ids, 0, first)),
                toInts(Arrays.copyOfRange(ids, last, ids.length)),
                padId);
    }

    public ModelLocation location() {
        return location;
    }

    /** {@code WordPiece}, {@code BPE}, {@code Unigram} or {@code WordLevel}. */
    public String modelType() {
        return modelType;
    }

    public SpecialTokens specials() {
        return specials;
    }

    /** Its largest id plus one, added tokens included: the model must know every id below it. */
    public int vocabularySize() {
        return vocabularySize;
    }

    /**
     * DJL's system property (or environment variable) that picks the native library's build. Where
     * DJL finds CUDA it asks for a CUDA build, which the jar does not carry, and downloads it at
     * run time: on a GPU machine without internet the tokenizer then fails to load. Tokenizing runs
     * on the CPU, so Tandem asks for the CPU build the jar carries, unless a user chose.
     */
    static final String NATIVE_FLAVOR = "RUST_FLAVOR";

    /** Asks DJL for the bundled CPU build of the native library, unless a flavor was chosen. */
    static void useBundledCpuBuild() {
        if (System.getenv(NATIVE_FLAVOR) == null && System.getProperty(NATIVE_FLAVOR) == null) {
            System.setProperty(NATIVE_FLAVOR, "cpu");
        }
    }

    private HuggingFaceTokenizer tokenizer() {
        if (tokenizer == null) {
            useBundledCpuBuild();
            try (InputStream in = location.open()) {
                tokenizer = HuggingFaceTokenizer.newInstance(in, OPTIONS);
            } catch (IOException e) {
                throw new UncheckedIOException("Cannot read tokenizer " + location, e);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(
                        "Tokenizer " + location + " was refused: " + e.getMessage(), e);
            }
        }
        return tokenizer;
    }

    /** Loads the native tokenizer if this instance has not yet. */
    public void open() {
        tokenizer();
    }

    /** The pieces of {@code text}, special tokens excluded, with UTF-16 offsets into it. */
    public Pieces encode(String text) {
        Encoding encoding = tokenizer().encode(text, false, false);
        long[] ids = encoding.getIds();
        long[] words = encoding.getWordIds();
        CharSpan[] spans = encoding.getCharTokenSpans();
        int[] utf16 = utf16Offsets(text);
        int[] pieceIds = new int[ids.length];
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        int[] pieceWords = new int[ids.length];
        for (int i = 0; i < ids.length; i++) {
            pieceIds[i] = Math.toIntExact(ids[i]);
            pieceWords[i] = (int) words[i];
            CharSpan span = spans[i];
            int start = span == null ? 0 : span.getStart();
            int end = span == null ? 0 : span.getEnd();
            starts[i] = utf16 == null ? start : utf16[start];
            ends[i] = utf16 == null ? end : utf16[end];
        }
        return new Pieces(pieceIds, starts, ends, pieceWords);
    }

    /**
     * The token strings of {@code text}, special tokens excluded: a string the vocabulary holds
     * whole (a marker such as {@code [E]} added to the tokenizer) is one token, itself.
     */
    public String[] tokens(String text) {
        return tokenizer().encode(text, false, false).getTokens();
    }

    /**
     * A text pair with the special tokens of the tokenizer's pair template ({@code [CLS] first
     * [SEP] second [SEP]}, {@code <s> first </s></s> second </s>}): ids, and type ids (0 for the
     * first segment, 1 for the second, as the template sets them).
     */
    public Pair encodePair(String first, String second) {
        Encoding encoding = tokenizer().encode(first, second, true, false);
        return new Pair(toInts(encoding.getIds()), toInts(encoding.getTypeIds()));
    }

    /** A text pair's ids and type ids, special tokens included. */
    public record Pair(int[] ids, int[] typeIds) {
        public int size() {
            return ids.length;
        }
    }

    /**
     * For each code point index (and the end), its UTF-16 index in {@code text}; null when the two
     * agree (no surrogate pairs), the common case.
     */
    static int[] utf16Offsets(String text) {
        int codePoints = text.codePointCount(0, text.length());
        if (codePoints == text.length()) {
            return null;
        }
        int[] offsets = new int[codePoints + 1];
        int at = 0;
        for (int cp = 0; cp < codePoints; cp++) {
            offsets[cp] = at;
            at = text.offsetByCodePoints(at, 1);
        }
        offsets[codePoints] = at;
        return offsets;
    }

    private static int[] toInts(long[] values) {
        int[] ints = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            ints[i] = Math.toIntExact(values[i]);
        }
        return ints;
    }

    /** Whether the native tokenizer is loaded in this JVM (between a load and {@link #close}). */
    public boolean isLoaded() {
        return tokenizer != null;
    }

    /** Releases the native tokenizer; the next {@link #encode} loads it again. */
    @Override
    public void close() {
        if (tokenizer != null) {
            tokenizer.close();
            tokenizer = null;
        }
    }

    @Override
    public String toString() {
        return "HfTokenizer[" + location + ", " + modelType + "]";
    }

    /**
     * One text's pieces: vocabulary ids, UTF-16 {@code [start, end)} in the original text, and the
     * index of the word (as the pre-tokenizer split it) each piece belongs to.
     */
    public record Pieces(int[] ids, int[] starts, int[] ends, int[] words) {
        public int size() {
            return ids.length;
        }
    }

    /**
     * The special tokens around one sequence, and the id that pads rows.
     *
     * @param prefix ids before the pieces ({@code [CLS]}, {@code <s>}; may be empty)
     * @param suffix ids after them ({@code [SEP]}, {@code </s>}; may be empty)
     */
    public record SpecialTokens(int[] prefix, int[] suffix, int padId) implements Serializable {
        public int count() {
            return prefix.length + suffix.length;
        }
    }
}
