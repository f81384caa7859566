package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AddressWindowTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-04T12:00:00Z"));

    static Optional<UpstreamSample> ms(long millis) {
        return Optional.of(new UpstreamSample(Duration.ofMillis(millis), false));
    }

    @Test
    void shouldKeepEachAddressOnItsOwnTheWorstFirstAndTheRestBeyondTheLimitTogether() {
        AddressWindow w = new AddressWindow(clock, Duration.ofMinutes(1), 2, 100);
        for (int i = 0; i < 10; i++) {
            w.record("192.0.2.1", false, ms(10));
            w.record("192.0.2.2", i % 2 == 0, ms(i % 2 == 0 ? 500 : 12));
            w.record("192.0.2.3", false, ms(20));
            w.record("192.0.2.4", true, Optional.empty());
        }

        var stats = w.stats();

        assertThat(stats).as("equal failure shares: the higher p99 first")
                .extracting(AddressWindow.Stats::address).containsExactly("192.0.2.2", AddressWindow.OTHERS, "192.0.2.1");
        assertThat(stats.get(1).attempts()).as("the third and fourth addresses share one view").isEqualTo(20);
        assertThat(stats.get(1).failureRatio()).isEqualTo(0.5);
        assertThat(stats.get(0).p99()).contains(Duration.ofMillis(500));
        assertThat(stats.get(2).failures()).isZero();
    }

    @Test
    void shouldForgetAddressesThatLeftTheWindow() {
        AddressWindow w = new AddressWindow(clock, Duration.ofMinutes(1), 8, 100);
        w.record("192.0.2.1", false, ms(10));
        clock.advance(Duration.ofSeconds(61));
        w.record("192.0.2.2", false, ms(10));

        assertThat(w.stats()).extracting(AddressWindow.Stats::address).containsExactly("192.0.2.2");
    }

    @Test
    void shouldServeTheSameViewsUntilAnAttemptIsRecordedOrTheOldestLeavesTheWindow() {
        AddressWindow w = new AddressWindow(clock, Duration.ofMinutes(1), 8, 100);
        w.record("192.0.2.1", false, ms(10));
        clock.advance(Duration.ofSeconds(30));
        w.record("192.0.2.2", true, Optional.empty());
        var first = w.stats();
        assertThat(w.stats()).as("read again without a change").isSameAs(first);

        w.record("192.0.2.2", false, ms(20));
        assertThat(w.stats()).as("a record changes the views").filteredOn(a -> a.address().equals("192.0.2.2"))
                .singleElement().extracting(AddressWindow.Stats::attempts).isEqualTo(2);

        clock.advance(Duration.ofSeconds(30));
        assertThat(w.stats()).as("the oldest attempt is exactly a window old: still in").hasSize(2);
        clock.advance(Duration.ofMillis(1));
        assertThat(w.stats()).as("and a millisecond later it has left").extracting(AddressWindow.Stats::address)
                .containsExactly("192.0.2.2");
    }
}
