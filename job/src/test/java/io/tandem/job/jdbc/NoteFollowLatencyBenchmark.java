package io.tandem.job.jdbc;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The follow mode's latency for BENCHMARKS.md (not part of the build's tests: its name matches
 * neither *Test nor *ITCase): notes inserted one per transaction at a steady low rate into a
 * followed NOTE, and the time from each INSERT's commit to the first of its NOTE_NLP rows being
 * visible (committed), for each pair of checkpoint and follow intervals in turn. Run it with {@code
 * mvn -B -o test -pl job -am -Dtest=NoteFollowLatencyBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false} ({@code -Dtandem.bench.docs}, {@code
 * -Dtandem.bench.rate}, {@code -Dtandem.bench.runs=1s/1s,10s/1s,1s/200ms}: checkpoint/follow
 * intervals).
 */
class NoteFollowLatencyBenchmark {
    @RegisterExtension static final PostgresExtension POSTGRES = new PostgresExtension();
    private static final int NOTES = Integer.getInteger("tandem.bench.docs", 200);
    private static final int NOTES_PER_SECOND = Integer.getInteger("tandem.bench.rate", 5);

    /** Each run's checkpoint interval and follow interval. */
    private static final List<String> RUNS =
            List.of(System.getProperty("tandem.bench.runs", "1s/1s,10s/1s,1s/200ms").split(","));

    /** How often the benchmark looks at NOTE_NLP: the figures' resolution. */
    private static final long LOOK_MS = 20;

    @TempDir Path dir;

    @Test
    void printFigures() throws Exception {
        Path credentials = Files.writeString(dir.resolve("jdbc.properties"), "user=postgres\n");
        System.out.printf(
                "follow latency: %d notes, one per transaction, %d notes/s, --cpu-workers 2%n",
                NOTES, NOTES_PER_SECOND);
        for (String run : RUNS) {
            String[] intervals = run.split("/");
            measure(intervals[0], intervals[1], credentials);
        }
    }

    private void measure(String checkpointInterval, String followInterval, Path credentials)
            throws Exception {
        String url = POSTGRES.newOmopDatabase("latency");
        // Note 1 shows the job has started and caught up; it is not measured.
        OmopNotes.insert(url, 0, 1);
        Separate job =
                Separate.start(
                        dir,
                        OmopJdbcITCase.run(
                                url,
                                credentials,
                                url,
                                "--follow",
                                "--follow-interval",
                                followInterval,
                                "--checkpoint-interval",
                                checkpointInterval));
        Map<Long, Long> seen = new ConcurrentHashMap<>();
        AtomicBoolean looking = new AtomicBoolean(true);
        Thread looker = new Thread(() -> look(url, seen, looking), "note-nlp-looker");
        looker.start();
        Map<Long, Long> committed = new HashMap<>();
        try {
            long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
            while (!seen.containsKey(1L)) {
                assertTrue(job.process().isAlive(), job.text());
                assertTrue(System.nanoTime() < deadline, "note 1 not in NOTE_NLP in 3 minutes");
                Thread.sleep(100);
            }
            long period = TimeUnit.SECONDS.toNanos(1) / NOTES_PER_SECOND;
            long next = System.nanoTime();
            try (Connection db = PostgresExtension.connect(url)) {
                db.setAutoCommit(false);
                for (long i = 1; i <= NOTES; i++) {
                    long wait = next - System.nanoTime();
                    if (wait > 0) {
                        TimeUnit.NANOSECONDS.sleep(wait);
                    }
                    OmopNotes.insert(db, i, 1);
                    db.commit();
                    committed.put(i + 1, System.currentTimeMillis());
                    next += period;
                }
            }
            // Every note with entities is in: nothing new for three checkpoint intervals.
            long quiet = 3 * Math.max(1_000, parseMillis(checkpointInterval));
            int count;
            do {
                count = seen.size();
                Thread.sleep(quiet);
            } while (seen.size() != count);
        } finally {
            looking.set(false);
            looker.join();
            job.process().destroyForcibly();
            job.process().waitFor(1, TimeUnit.MINUTES);
        }
        long[] latencies =
                committed.entrySet().stream()
                        .filter(note -> seen.containsKey(note.getKey()))
                        .mapToLong(note -> seen.get(note.getKey()) - note.getValue())
                        .sorted()
                        .toArray();
        assertTrue(latencies.length > NOTES / 2, "notes seen: " + latencies.length);
        System.out.printf(
                "checkpoint interval %s, follow interval %s: %d of %d notes have NOTE_NLP rows; INSERT commit ->"
                        + " NOTE_NLP rows committed: p50 %d ms, p90 %d ms, p99 %d ms, max %d ms"
                        + " (mean %.0f ms)%n",
                checkpointInterval,
                followInterval,
                latencies.length,
                NOTES,
                percentile(latencies, 50),
                percentile(latencies, 90),
                percentile(latencies, 99),
                latencies[latencies.length - 1],
                Arrays.stream(latencies).average().orElse(0));
    }

    /** Records when each note_id's first NOTE_NLP row becomes visible. */
    private static void look(String url, Map<Long, Long> seen, AtomicBoolean looking) {
        try (Connection db = PostgresExtension.connect(url);
                PreparedStatement notes =
                        db.prepareStatement(
                                "SELECT DISTINCT note_id FROM note_nlp WHERE note_id > ?")) {
            long below = 0;
            while (looking.get()) {
                // Notes finish out of order: look above the lowest not seen yet.
                while (seen.containsKey(below + 1)) {
                    below++;
                }
                notes.setLong(1, below);
                List<Long> found = new ArrayList<>();
                try (ResultSet rows = notes.executeQuery()) {
                    while (rows.next()) {
                        found.add(rows.getLong(1));
                    }
                }
                long now = System.currentTimeMillis();
                found.forEach(id -> seen.putIfAbsent(id, now));
                Thread.sleep(LOOK_MS);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static long percentile(long[] sorted, int percent) {
        int index = (int) Math.ceil(percent / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, index))];
    }

    private static long parseMillis(String duration) {
        return org.apache.flink.util.TimeUtils.parseDuration(duration).toMillis();
    }
}
