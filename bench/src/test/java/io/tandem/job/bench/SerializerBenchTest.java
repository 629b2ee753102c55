package io.tandem.job.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SerializerBenchTest {

    @Test
    void oneSlowIterationDoesNotMoveTheMedian() {
        Map<String, List<Double>> byIteration =
                Map.of("batchTandem", List.of(25.0, 320.0, 24.0, 26.0, 25.0));

        assertEquals(25.0, SerializerBench.median(byIteration, "batchTandem"));
    }

    @Test
    void anEvenCountTakesTheMeanOfTheMiddleTwo() {
        Map<String, List<Double>> byIteration = Map.of("docKryo", List.of(4.0, 1.0, 3.0, 2.0));

        assertEquals(2.5, SerializerBench.median(byIteration, "docKryo"));
    }

    @Test
    void aBenchmarkWithoutIterationsIsNamed() {
        IllegalStateException e =
                assertThrows(
                        IllegalStateException.class,
                        () ->
                                SerializerBench.median(
                                        Map.of("docKryo", List.of(1.0)), "batchTandem"));

        assertTrue(e.getMessage().contains("batchTandem"), e.getMessage());
    }

    @Test
    void theRatioIsTheMedianOfEachPairsRatioNotTheRatioOfTheMedians() {
        // The machine slowed down for the second pair (both serializers by 1.43) and again between
        // the third pair's two forks: Kryo's fork met the slow state and Tandem's the fast one.
        SerializerBench.Result result =
                new SerializerBench.Result(
                        0,
                        0,
                        0,
                        0,
                        Map.of(),
                        Map.of(
                                "docKryo", List.of(140.0, 200.0, 200.0),
                                "docTandem", List.of(22.0, 31.0, 22.0),
                                "batchKryo", List.of(600.0, 610.0, 590.0),
                                "batchTandem", List.of(25.0, 25.0, 25.0)));

        assertEquals(List.of(140.0 / 22, 200.0 / 31, 200.0 / 22), result.docRatioByPair());
        assertEquals(200.0 / 31, result.docRatio(), 1e-12);
        assertEquals(24.0, result.batchRatio(), 1e-12);
    }

    @Test
    void pairsWithAMissingForkAreNamed() {
        SerializerBench.Result result =
                new SerializerBench.Result(
                        0,
                        0,
                        0,
                        0,
                        Map.of(),
                        Map.of("docKryo", List.of(140.0, 200.0), "docTandem", List.of(22.0)));

        IllegalStateException e = assertThrows(IllegalStateException.class, result::docRatio);
        assertTrue(e.getMessage().contains("docKryo"), e.getMessage());
        assertTrue(e.getMessage().contains("2 and 1"), e.getMessage());
    }

    @Test
    void theFullAndQuickRunsForkEnoughPairsThatOneOddPairCannotMoveTheirMedian() {
        for (SerializerBench.Settings settings :
                List.of(SerializerBench.Settings.quick(), SerializerBench.Settings.full())) {
            assertTrue(settings.forks() >= 3, settings.toString());
            assertEquals(1, settings.forks() % 2, "an odd count has one middle: " + settings);
        }
        assertEquals(1, SerializerBench.Settings.smoke().pairs(), "one pair in this JVM");
    }

    @Test
    void theQuickRunsForksAreTheFullRunsForks() {
        SerializerBench.Settings quick = SerializerBench.Settings.quick();
        SerializerBench.Settings full = SerializerBench.Settings.full();

        assertEquals(full.warmupIterations(), quick.warmupIterations());
        assertEquals(full.measurementIterations(), quick.measurementIterations());
        assertEquals(full.iterationMillis(), quick.iterationMillis());
        assertTrue(quick.forks() < full.forks());
    }
}
