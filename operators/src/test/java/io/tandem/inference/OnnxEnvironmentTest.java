package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.flink.shaded.asm9.org.objectweb.asm.ClassReader;
import org.apache.flink.shaded.asm9.org.objectweb.asm.ClassVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.MethodVisitor;
import org.apache.flink.shaded.asm9.org.objectweb.asm.Opcodes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxEnvironmentTest {
    @TempDir Path tmp;

    /** Entry point of the child JVM: creates the environment from its 1 MB main thread. */
    public static final class FirstUse {
        public static void main(String[] args) {
            System.out.println("ONNX Runtime " + OnnxEnvironment.get().getVersion());
        }
    }

    /**
     * ONNX Runtime's telemetry overflows a 1 MB stack on a command line over about 4 KB (checked by
     * hand: calling {@code OrtEnvironment.getEnvironment()} directly here dies with SIGSEGV, exit
     * 139). Created through {@link OnnxEnvironment}, it survives, telemetry left on.
     */
    @Test
    void firstEnvironmentSurvivesATaskManagerSizedCommandLine() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String padding = "x".repeat(8_000);
        ProcessBuilder builder =
                new ProcessBuilder(
                                List.of(
                                        javaBin,
                                        "-Xss1m",
                                        "-Dtandem.padding=" + padding,
                                        "-Djava.io.tmpdir=" + tmp,
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        FirstUse.class.getName()))
                        .redirectErrorStream(true);
        builder.environment().remove("ORT_DISABLE_TELEMETRY");
        // Telemetry on writes mat-debug-<pid>.log into $TMPDIR, and ONNX Runtime leaves its
        // extraction folder behind: both stay in this test's folder.
        builder.environment().put("TMPDIR", tmp.toString());
        builder.directory(tmp.toFile());
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "child JVM failed:\n" + output);
        assertTrue(output.contains("ONNX Runtime 1.29.0"), output);
    }

    /**
     * The large-stack creation only protects if it comes first: no other class of Tandem may create
     * the environment itself (sessions and tensors get it from {@link OnnxEnvironment#get()}).
     */
    @Test
    void onlyOnnxEnvironmentCreatesTheOrtEnvironment() throws Exception {
        Path classes =
                Path.of(
                        OnnxEnvironment.class
                                .getProtectionDomain()
                                .getCodeSource()
                                .getLocation()
                                .toURI());
        List<String> callers = new ArrayList<>();
        try (Stream<Path> files = Files.walk(classes)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String caller = classCallingGetEnvironment(file);
                if (caller != null && !caller.startsWith(OnnxEnvironment.class.getName())) {
                    callers.add(caller);
                }
            }
        }
        assertEquals(
                List.of(),
                callers,
                "classes calling OrtEnvironment.getEnvironment() instead of OnnxEnvironment.get()");
    }

    private static String classCallingGetEnvironment(Path classFile) throws IOException {
        ClassReader reader = new ClassReader(Files.readAllBytes(classFile));
        String[] caller = {null};
        reader.accept(
                new ClassVisitor(Opcodes.ASM9) {
                    @Override
                    public MethodVisitor visitMethod(
                            int access,
                            String name,
                            String descriptor,
                            String signature,
                            String[] exceptions) {
                        return new MethodVisitor(Opcodes.ASM9) {
                            @Override
                            public void visitMethodInsn(
                                    int opcode,
                                    String owner,
                                    String method,
                                    String methodDescriptor,
                                    boolean isInterface) {
                                if (owner.equals("ai/onnxruntime/OrtEnvironment")
                                        && method.startsWith("getEnvironment")) {
                                    caller[0] = reader.getClassName().replace('/', '.');
                                }
                            }
                        };
                    }
                },
                ClassReader.SKIP_DEBUG);
        return caller[0];
    }
}
