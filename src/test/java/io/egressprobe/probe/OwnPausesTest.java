package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class OwnPausesTest {
    @Test
    void shouldSeeAFullCollectionOfThisJvmInsideTheIntervalItTookAndNotOutsideIt() {
        OwnPauses pauses = OwnPauses.ofThisJvm();
        long before = System.nanoTime();
        long seenBefore = pauses.seen();

        System.gc(); // a full, stop-the-world collection with every collector a JDK 17 picks by default

        long after = System.nanoTime();
        assertThat(pauses.pausedMillisWithin(before, after)).as("the collection lies inside the interval").isPositive();
        assertThat(pauses.seen()).isGreaterThan(seenBefore);
        long later = System.nanoTime() + 2_000_000;
        assertThat(pauses.pausedMillisWithin(later, later + 1_000_000)).as("an interval after it").isZero();
        assertThat(pauses.pausedMillisWithin(before - 60_000_000_000L, before - 59_000_000_000L)).as("a minute before").isZero();
    }

    @Test
    void shouldFollowOnlyTheCollectorsThatStopTheApplication() {
        assertThat(ManagementFactory.getGarbageCollectorMXBeans()).filteredOn(OwnPauses::pauses)
                .extracting(b -> b.getName()).isNotEmpty().noneMatch(n -> n.contains("Concurrent") || n.contains("Cycles"));
    }

    @Test
    void shouldMarkAnAttemptOnlyForAPauseOfAHundredthOfTheTimeoutAndTenMilliseconds() {
        assertThat(OwnPauses.outweighs(9, java.time.Duration.ofMillis(500))).isFalse();
        assertThat(OwnPauses.outweighs(10, java.time.Duration.ofMillis(500))).isTrue();
        assertThat(OwnPauses.outweighs(99, java.time.Duration.ofSeconds(10))).isFalse();
        assertThat(OwnPauses.outweighs(100, java.time.Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void shouldAddUpTheOverlapOfEachPauseWithTheInterval() {
        long[] starts = {0, 100, 500};
        long[] ends = {50, 200, 600};

        assertThat(OwnPauses.overlapNanos(starts, ends, 3, 25, 150)).isEqualTo(25 + 50);
        assertThat(OwnPauses.overlapNanos(starts, ends, 3, 200, 500)).isZero();
        assertThat(OwnPauses.overlapNanos(starts, ends, 2, 0, 1000)).as("the first two only").isEqualTo(150);
    }
}
