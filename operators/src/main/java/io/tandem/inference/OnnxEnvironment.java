package io.tandem.inference;

import ai.onnxruntime.OrtEnvironment;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The process-wide ONNX Runtime environment, created once and never closed by a session.
 *
 * <p>ONNX Runtime 1.29.0's telemetry matches {@code /proc/self/cmdline} with a recursive regex on
 * first environment creation, using about 256 bytes of stack per byte of command line. A task
 * manager's command line (about 5 KB) overflows a 1 MB task thread stack and kills the JVM with
 * SIGSEGV. Creating the environment on a dedicated thread with a large stack avoids it whatever
 * thread asks first; {@code ORT_DISABLE_TELEMETRY=1} in the process environment is the stronger fix
 * (docs/ARCHITECTURE.md, deploy/README.md).
 */
public final class OnnxEnvironment {
    /** Enough for a command line of about 60 KB. */
    static final long INIT_STACK_BYTES = 16L << 20;

    private static volatile OrtEnvironment environment;

    private OnnxEnvironment() {}

    /** The shared environment, created on first use. */
    public static OrtEnvironment get() {
        OrtEnvironment env = environment;
        if (env == null) {
            synchronized (OnnxEnvironment.class) {
                env = environment;
                if (env == null) {
                    env = createOnLargeStack();
                    environment = env;
                }
            }
        }
        return env;
    }

    private static OrtEnvironment createOnLargeStack() {
        AtomicReference<OrtEnvironment> created = new AtomicReference<>();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread init =
                new Thread(
                        null,
                        () -> {
                            try {
                                // Loads the native library, then creates the environment (the
                                // telemetry step that needs the stack).
                                created.set(OrtEnvironment.getEnvironment());
                            } catch (Throwable t) {
                                failure.set(t);
                            }
                        },
                        "tandem-onnxruntime-init",
                        INIT_STACK_BYTES);
        init.setDaemon(true);
        init.start();
        boolean interrupted = false;
        while (true) {
            try {
                init.join();
                break;
            } catch (InterruptedException e) {
                // The environment must exist before anyone uses it; restore the flag afterwards.
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        if (failure.get() != null) {
            throw new IllegalStateException(
                    "Cannot create the ONNX Runtime environment", failure.get());
        }
        return created.get();
    }
}
