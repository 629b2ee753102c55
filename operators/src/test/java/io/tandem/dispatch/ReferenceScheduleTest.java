package io.tandem.dispatch;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** edsnlp's {@code get_dispatch_schedule}, checked against the examples. */
class ReferenceScheduleTest {

    private static int[] repeat(int consumer, int times) {
        int[] list = new int[times];
        Arrays.fill(list, consumer);
        return list;
    }

    private static int[] concat(int[] head, int... tail) {
        int[] list = Arrays.copyOf(head, head.length + tail.length);
        System.arraycopy(tail, 0, list, head.length, tail.length);
        return list;
    }

    @Test
    void twoProducersThreeConsumers() {
        ReferenceSchedule schedule = ReferenceSchedule.of(2, 3);
        assertArrayEquals(new int[] {0, 0, 2}, schedule.periodOf(0));
        assertArrayEquals(new int[] {1, 1, 2}, schedule.periodOf(1));
    }

    @Test
    void sixteenProducersTenConsumers() {
        ReferenceSchedule schedule = ReferenceSchedule.of(16, 10);
        // The example.
        assertArrayEquals(new int[] {4, 4, 4, 4, 4, 4, 6, 7, 6, 7}, schedule.periodOf(14));
        // The others, derived by hand from the algorithm: producers 0..9 own a consumer each,
        // the leftover 10..15 recurse over the 10 consumers.
        for (int p = 0; p < 10; p++) {
            assertArrayEquals(repeat(p, 10), schedule.periodOf(p), "producer " + p);
        }
        assertArrayEquals(concat(repeat(0, 6), 6, 6, 6, 6), schedule.periodOf(10));
        assertArrayEquals(concat(repeat(1, 6), 7, 7, 7, 7), schedule.periodOf(11));
        assertArrayEquals(concat(repeat(2, 6), 8, 8, 8, 8), schedule.periodOf(12));
        assertArrayEquals(concat(repeat(3, 6), 9, 9, 9, 9), schedule.periodOf(13));
        assertArrayEquals(concat(repeat(5, 6), 8, 9, 8, 9), schedule.periodOf(15));
    }

    @Test
    void eightProducersNineConsumersFeedTheLastConsumerFromEveryProducer() {
        ReferenceSchedule schedule = ReferenceSchedule.of(8, 9);
        for (int p = 0; p < 8; p++) {
            assertArrayEquals(concat(repeat(p, 8), 8), schedule.periodOf(p), "producer " + p);
        }
        assertEquals(List.of(0, 1, 2, 3, 4, 5, 6, 7), schedule.stats().producersOf(8));
        assertEquals(Fraction.of(8, 9), schedule.stats().loadOf(8));
        assertEquals(8, schedule.stats().maxProducersPerConsumer());
        // All producers reach consumer 8 with their batch 8 at once.
        assertEquals(8, schedule.stats().maxBurst());
    }

    @Test
    void thirtyOneProducersEightConsumersGiveOneConsumerTenProducers() {
        assertEquals(10, ReferenceSchedule.of(31, 8).stats().maxProducersPerConsumer());
    }

    @Test
    void wholeMultiplesGiveEachProducerOneConsumer() {
        ReferenceSchedule schedule = ReferenceSchedule.of(4, 2);
        assertArrayEquals(new int[] {0, 0}, schedule.periodOf(0));
        assertArrayEquals(new int[] {1, 1}, schedule.periodOf(1));
        assertArrayEquals(new int[] {0, 0}, schedule.periodOf(2));
        assertArrayEquals(new int[] {1, 1}, schedule.periodOf(3));
        ReferenceSchedule wide = ReferenceSchedule.of(2, 4);
        assertArrayEquals(new int[] {0, 1, 0, 1}, wide.periodOf(0));
        assertArrayEquals(new int[] {2, 3, 2, 3}, wide.periodOf(1));
    }

    @Test
    void isExactlyEvenWithListsOfLengthC() {
        for (int producers = 1; producers <= 64; producers++) {
            for (int consumers = 1; consumers <= 32; consumers++) {
                ReferenceSchedule schedule = ReferenceSchedule.of(producers, consumers);
                for (int p = 0; p < producers; p++) {
                    assertEquals(consumers, schedule.periodOf(p).length);
                }
                for (int c = 0; c < consumers; c++) {
                    assertEquals(
                            Fraction.of(producers, consumers),
                            schedule.stats().loadOf(c),
                            "P=" + producers + ", C=" + consumers + ", consumer " + c);
                }
            }
        }
    }

    @Test
    void consumerForCyclesThroughTheList() {
        ReferenceSchedule schedule = ReferenceSchedule.of(2, 3);
        int[] expected = {0, 0, 2, 0, 0, 2, 0};
        for (int seq = 0; seq < expected.length; seq++) {
            assertEquals(expected[seq], schedule.consumerFor(0, seq));
        }
    }

    @Test
    void withoutConsumersRefusesToDispatch() {
        ReferenceSchedule none = ReferenceSchedule.of(3, 0);
        assertFalse(none.hasConsumers());
        assertEquals(
                "The reference schedule for 3 producers has no consumers",
                assertThrows(IllegalStateException.class, () -> none.consumerFor(0, 0))
                        .getMessage());
        assertEquals(
                "producers must be at least 1 (the CPU subtasks that send batches), got 0",
                assertThrows(IllegalArgumentException.class, () -> ReferenceSchedule.of(0, 2))
                        .getMessage());
    }
}
