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
    void theFullAndQuickRunsForkAndTakeTheirMedianOverManyIterations() {
        for (SerializerBench.Settings settings :
                List.of(SerializerBench.Settings.quick(), SerializerBench.Settings.full())) {
            assertTrue(settings.forks() >= 2, settings.toString());
            assertTrue(
                    settings.forks() * settings.measurementIterations() >= 16, settings.toString());
        }
    }

    @Test
    void theQuickRunWarmsUpAndMeasuresEachIterationAsLongAsTheFullRun() {
        SerializerBench.Settings quick = SerializerBench.Settings.quick();
        SerializerBench.Settings full = SerializerBench.Settings.full();

        assertEquals(full.warmupIterations(), quick.warmupIterations());
        assertEquals(full.iterationMillis(), quick.iterationMillis());
    }
}
