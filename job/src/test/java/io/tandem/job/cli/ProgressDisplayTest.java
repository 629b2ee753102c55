package io.tandem.job.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressDisplayTest {
    @Test
    void rendersCountsRateAndEta() {
        assertEquals(
                "500/2000 documents (25.0%)  250 docs/s  7 dead letters  ETA 0:06",
                ProgressDisplay.render(500, 7, 2000, 2.0));
        assertEquals(
                "0/10 documents (0.0%)  0 docs/s  0 dead letters  ETA --:--",
                ProgressDisplay.render(0, 0, 10, 0));
        assertEquals("1:01:01", ProgressDisplay.formatDuration(3661));
    }

    @Test
    void rendersCountsAndRateWithoutTotalOrEtaWhileTheSourceIsCounting() {
        assertEquals(
                "500 documents  250 docs/s  7 dead letters",
                ProgressDisplay.render(500, 7, -1, 2.0));
    }

    @Test
    void redrawsInPlaceAndStopsItsThreadOnClose() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        AtomicLong done = new AtomicLong(3);
        ProgressDisplay display =
                new ProgressDisplay(
                        done,
                        new AtomicLong(),
                        () -> 3,
                        new PrintStream(bytes, true, StandardCharsets.UTF_8),
                        Duration.ofMillis(5));
        display.close();
        String shown = bytes.toString(StandardCharsets.UTF_8);
        assertTrue(shown.startsWith("\r3/3 documents (100.0%)"), shown);
        assertTrue(shown.endsWith(System.lineSeparator()), shown);
        assertTrue(
                Thread.getAllStackTraces().keySet().stream()
                        .noneMatch(t -> t.getName().equals("tandem-progress")));
    }
}
