package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The window's attempts by address: each attempt's address is a byte index in the ring ({@link AddressWindow}). */
class AddressWindowTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T12:00:00Z"));

    static UpstreamSample ms(long millis) {
        return new UpstreamSample(Duration.ofMillis(millis), false);
    }

    static void record(SampleWindow w, String address, boolean failed, long millis) {
        if (failed) {
            w.recordFailure(FailureReason.REFUSED, millis < 0 ? Optional.empty() : Optional.of(ms(millis)), address);
        } else {
            w.recordSuccess(ms(millis), address);
        }
    }

    @Test
    void shouldKeepEachAddressOnItsOwnTheWorstFirstAndTheRestBeyondTheLimitTogether() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(1), 100, 2);
        for (int i = 0; i < 10; i++) {
            record(w, "192.0.2.1", false, 10);
            record(w, "192.0.2.2", i % 2 == 0, i % 2 == 0 ? 500 : 12);
            record(w, "192.0.2.3", false, 20);
            record(w, "192.0.2.4", true, -1);
        }

        var stats = w.addresses();

        assertThat(stats).as("equal failure shares: the higher p99 first")
                .extracting(AddressWindow.Stats::address).containsExactly("192.0.2.2", AddressWindow.OTHERS, "192.0.2.1");
        assertThat(stats.get(1).attempts()).as("the third and fourth addresses share one view").isEqualTo(20);
        assertThat(stats.get(1).failureRatio()).isEqualTo(0.5);
        assertThat(stats.get(0).p99()).contains(Duration.ofMillis(500));
        assertThat(stats.get(0).thirdSlowest()).contains(Duration.ofMillis(500));
        assertThat(stats.get(2).failures()).isZero();
    }

    @Test
    void shouldForgetAddressesThatLeftTheWindowAndGiveTheirIndexToTheNext() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(1), 100, 1);
        record(w, "192.0.2.1", false, 10);
        clock.advance(Duration.ofSeconds(61));
        record(w, "192.0.2.2", false, 10);

        assertThat(w.addresses()).as("the one own index, free again: not other").extracting(AddressWindow.Stats::address)
                .containsExactly("192.0.2.2");
    }

    @Test
    void shouldForgetAnAddressWhoseAttemptsTheRingOverwrote() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 3, 1);
        record(w, "192.0.2.1", false, 10);
        for (int i = 0; i < 3; i++) {
            record(w, "192.0.2.2", false, 10);
        }

        assertThat(w.addresses()).as("the ring's three attempts, none of them the first address's any more")
                .extracting(AddressWindow.Stats::address).doesNotContain("192.0.2.1");
        assertThat(w.addresses().stream().mapToInt(AddressWindow.Stats::attempts).sum()).isEqualTo(3);
    }

    @Test
    void shouldServeTheSameViewsUntilAnAttemptIsRecordedOrTheOldestLeavesTheWindow() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(1), 100, 8);
        record(w, "192.0.2.1", false, 10);
        clock.advance(Duration.ofSeconds(30));
        record(w, "192.0.2.2", true, -1);
        var first = w.addresses();
        assertThat(w.addresses()).as("read again without a change").isSameAs(first);

        record(w, "192.0.2.2", false, 20);
        assertThat(w.addresses()).as("a record changes the views").filteredOn(a -> a.address().equals("192.0.2.2"))
                .singleElement().extracting(AddressWindow.Stats::attempts).isEqualTo(2);

        clock.advance(Duration.ofSeconds(30).minusMillis(1));
        assertThat(w.addresses()).as("the oldest attempt a millisecond short of a window old: still in").hasSize(2);
        clock.advance(Duration.ofMillis(1));
        assertThat(w.addresses()).as("a window old, it has left, as from the window's statistics")
                .extracting(AddressWindow.Stats::address).containsExactly("192.0.2.2");
    }

    @Test
    void shouldKeepNoAddressesWhereTheWindowIsToldNone() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(1), 100);
        record(w, "192.0.2.1", false, 10);

        assertThat(w.addresses()).isEmpty();
    }
}
