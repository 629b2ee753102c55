package io.tandem.inference;

import java.util.Locale;

/**
 * Tells an allocation failure (the batch did not fit) from other failures of a forward pass: a Java
 * {@link OutOfMemoryError} (a direct buffer, say) or ONNX Runtime's CPU and CUDA allocator errors,
 * which reach Java as an {@code OrtException} with the allocator's message.
 */
public final class AllocationFailures {
    private static final String[] ALLOCATOR_MESSAGES = {
        "failed to allocate",
        "bad_alloc",
        "bad allocation",
        "out of memory",
        "alloc_failed",
        "available memory of",
    };

    private AllocationFailures() {}

    public static boolean isAllocationFailure(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof OutOfMemoryError) {
                return true;
            }
            String message = t.getMessage();
            if (message != null) {
                String lower = message.toLowerCase(Locale.ROOT);
                for (String known : ALLOCATOR_MESSAGES) {
                    if (lower.contains(known)) {
                        return true;
                    }
                }
            }
            if (t.getCause() == t) {
                break;
            }
        }
        return false;
    }
}
