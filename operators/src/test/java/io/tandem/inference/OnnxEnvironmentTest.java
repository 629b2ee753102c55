package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class OnnxEnvironmentTest {

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
                                        "-cp",
                                        System.getProperty("java.class.path"),
                                        FirstUse.class.getName()))
                        .redirectErrorStream(true);
        builder.environment().remove("ORT_DISABLE_TELEMETRY");
        builder.directory(new File(System.getProperty("java.io.tmpdir")));
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, process.exitValue(), "child JVM failed:\n" + output);
        assertTrue(output.contains("ONNX Runtime 1.29.0"), output);
    }
}
