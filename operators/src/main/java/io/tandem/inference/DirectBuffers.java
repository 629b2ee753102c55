package io.tandem.inference;

import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;

/**
 * Frees direct buffers when their owner closes, instead of whenever the garbage collector next
 * runs: a restarted task would otherwise allocate its new buffers beside the old ones, and direct
 * memory would grow with every failover. Uses {@code sun.misc.Unsafe.invokeCleaner}, which module
 * {@code jdk.unsupported} opens; where it is missing the buffer is left to the garbage collector.
 */
final class DirectBuffers {
    private static final Object UNSAFE;
    private static final Method INVOKE_CLEANER;

    static {
        Object unsafe = null;
        Method invokeCleaner = null;
        try {
            Class<?> type = Class.forName("sun.misc.Unsafe");
            Field field = type.getDeclaredField("theUnsafe");
            field.setAccessible(true);
            unsafe = field.get(null);
            invokeCleaner = type.getMethod("invokeCleaner", ByteBuffer.class);
        } catch (ReflectiveOperationException | RuntimeException e) {
            unsafe = null;
            invokeCleaner = null;
        }
        UNSAFE = unsafe;
        INVOKE_CLEANER = invokeCleaner;
    }

    private DirectBuffers() {}

    /** Releases {@code buffer}'s native memory now; it must not be used afterwards. */
    static void free(ByteBuffer buffer) {
        if (buffer == null || !buffer.isDirect() || INVOKE_CLEANER == null) {
            return;
        }
        try {
            INVOKE_CLEANER.invoke(UNSAFE, buffer);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // A slice or a duplicate has no cleaner of its own: the collector frees it.
        }
    }
}
