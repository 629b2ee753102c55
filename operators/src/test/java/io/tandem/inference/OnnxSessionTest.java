package io.tandem.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.onnxruntime.OrtEnvironment;
import io.tandem.models.TinyModel;
import io.tandem.tensor.DType;
import io.tandem.tensor.Tensor;
import io.tandem.tensor.TensorMap;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Configuration;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;

class OnnxSessionTest {
    private static final ModelLocation TINY = ModelLocation.classpath(TinyModel.MODEL_RESOURCE);

    private static TensorMap oneRow() {
        long[] shape = {1, 4};
        return TensorMap.of(
                Tensor.ofLongs("input_ids", shape, new long[] {2, 10, 11, 3}),
                Tensor.ofLongs("attention_mask", shape, new long[] {1, 1, 1, 1}));
    }

    @Test
    void cpuSessionRunsAndReportsItsInputsAndOutputs() throws Exception {
        try (OnnxSession session = OnnxSession.open(TINY, ForwardContext.cpu(1))) {
            assertEquals("CPU", session.executionProvider());
            assertEquals(List.of("input_ids", "attention_mask"), List.copyOf(session.inputNames()));
            assertEquals(List.of("logits"), List.copyOf(session.outputNames()));
            assertEquals("O,B-DRUG,I-DRUG", session.customMetadata().get("labels"));
            TensorMap out = session.forward(oneRow());
            assertEquals(DType.FLOAT32, out.get("logits").dtype());
            // The reused input buffers must not leak one batch into the next.
            assertEquals(out, session.forward(oneRow()));
        }
    }

    @Test
    void closedRunnerFailsClearlyAndCloseIsIdempotent() throws Exception {
        OnnxSession session = OnnxSession.open(TINY, ForwardContext.cpu(1));
        session.close();
        session.close();
        assertTrue(session.isClosed());
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> session.forward(oneRow()));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertTrue(e.getMessage().contains(TINY.toString()), e.getMessage());
    }

    @Test
    void inputMismatchNamesMissingAndUnknownTensors() throws Exception {
        try (OnnxSession session = OnnxSession.open(TINY, ForwardContext.cpu(1))) {
            TensorMap wrong =
                    TensorMap.of(
                            Tensor.ofLongs("input_ids", new long[] {1, 1}, new long[] {2}),
                            Tensor.ofLongs("token_type_ids", new long[] {1, 1}, new long[] {0}));
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> session.forward(wrong));
            assertTrue(e.getMessage().contains("missing [attention_mask]"), e.getMessage());
            assertTrue(e.getMessage().contains("[token_type_ids]"), e.getMessage());
        }
    }

    @Test
    void autoWithAGpuIndexFallsBackToCpuWithOneLogLine() throws Exception {
        try (CapturedWarnings warnings = new CapturedWarnings(OnnxSession.class.getName())) {
            try (OnnxSession session =
                    OnnxSession.open(TINY, new ForwardContext(Device.AUTO, 0, 1))) {
                assertEquals("CPU", session.executionProvider());
                assertEquals(3, session.forward(oneRow()).get("logits").dim(2));
            }
            assertEquals(1, warnings.messages().size(), warnings.messages().toString());
            String line = warnings.messages().get(0);
            assertTrue(
                    line.contains("CUDA") && line.contains("GPU 0") && line.contains("CPU"), line);
        }
    }

    @Test
    void autoWithoutGpuIsSilentlyCpu() throws Exception {
        try (CapturedWarnings warnings = new CapturedWarnings(OnnxSession.class.getName());
                OnnxSession session =
                        OnnxSession.open(TINY, new ForwardContext(Device.AUTO, -1, 1))) {
            assertEquals("CPU", session.executionProvider());
            assertEquals(List.of(), warnings.messages());
        }
    }

    @Test
    void cudaWithoutTheProviderFailsClearly() {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () -> OnnxSession.open(TINY, new ForwardContext(Device.CUDA, 1, 1)));
        assertTrue(e.getMessage().contains("CUDA GPU 1"), e.getMessage());
        assertTrue(e.getMessage().contains("onnxruntime_gpu"), e.getMessage());
    }

    @Test
    void missingModelFileFailsNamingIt() {
        ModelLocation missing = ModelLocation.parse("/nonexistent/model.onnx");
        Exception e =
                assertThrows(
                        Exception.class, () -> OnnxSession.open(missing, ForwardContext.cpu(1)));
        assertTrue(e.getMessage().contains("/nonexistent/model.onnx"), e.getMessage());
    }

    @Test
    void environmentIsSharedAcrossThreads() throws Exception {
        OrtEnvironment here = OnnxEnvironment.get();
        OrtEnvironment there = CompletableFuture.supplyAsync(OnnxEnvironment::get).get();
        assertSame(here, there);
    }

    /** Collects WARN+ messages of one logger through a log4j appender (no mocks). */
    static final class CapturedWarnings extends AbstractAppender implements AutoCloseable {
        private final List<String> messages = new ArrayList<>();
        private final String loggerName;
        private final LoggerContext context;

        CapturedWarnings(String loggerName) {
            super("captured-" + loggerName, null, null, true, Property.EMPTY_ARRAY);
            this.loggerName = loggerName;
            this.context = (LoggerContext) LogManager.getContext(false);
            Configuration config = context.getConfiguration();
            LoggerConfig logger = new LoggerConfig(loggerName, Level.WARN, false);
            start();
            logger.addAppender(this, Level.WARN, null);
            config.addLogger(loggerName, logger);
            context.updateLoggers();
        }

        @Override
        public synchronized void append(LogEvent event) {
            messages.add(event.getMessage().getFormattedMessage());
        }

        synchronized List<String> messages() {
            return List.copyOf(messages);
        }

        @Override
        public void close() {
            context.getConfiguration().removeLogger(loggerName);
            context.updateLoggers();
            stop();
        }
    }
}
