package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Envoy's cumulative connect buckets, differenced between reads and kept over the window. */
class EnvoyConnectWindowTest {
    static final double[] BOUNDS = {100, 250, 500, 1000, 10000};

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T06:00:00Z"));
    final EnvoyConnectWindow window = new EnvoyConnectWindow(clock, Duration.ofMinutes(2));

    static ConnectBuckets cumulative(long... counts) {
        List<ConnectBuckets.Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < BOUNDS.length; i++) {
            buckets.add(new ConnectBuckets.Bucket(BOUNDS[i], counts[i]));
        }
        return new ConnectBuckets(buckets);
    }

    @Test
    void shouldCountOnlyTheConnectsBetweenReadsNotThoseSinceEnvoyStarted() {
        // 1,000 fast connects before the probe's first read: Envoy's history, not the window's.
        assertThat(window.record(cumulative(1000, 1000, 1000, 1000, 1000))).isEqualTo(EnvoyConnectWindow.Read.FIRST);
        assertThat(window.stats().connects()).isZero();
        clock.advance(Duration.ofSeconds(30));
        // 100 connects since: 10 below 100 ms, 90 between 500 ms and 1 s.
        assertThat(window.record(cumulative(1010, 1010, 1010, 1100, 1100))).isEqualTo(EnvoyConnectWindow.Read.ADDED);

        EnvoyConnectWindow.Stats s = window.stats();
        assertThat(s.connects()).isEqualTo(100);
        // rank 99 of 100: in (500, 1000], 89 of 90 into it.
        assertThat(s.p99()).contains(Duration.ofNanos(Math.round((500 + 500 * (89.0 / 90)) * 1_000_000)));
        // rank 50: 40 of 90 into (500, 1000].
        assertThat(s.p50()).contains(Duration.ofNanos(Math.round((500 + 500 * (40.0 / 90)) * 1_000_000)));
    }

    @Test
    void shouldLetDifferencesAgeOutOfTheWindow() {
        window.record(cumulative(0, 0, 0, 0, 0));
        clock.advance(Duration.ofSeconds(30));
        window.record(cumulative(0, 0, 0, 50, 50)); // 50 slow ones
        clock.advance(Duration.ofSeconds(30));
        window.record(cumulative(50, 50, 50, 100, 100)); // 50 fast ones
        assertThat(window.stats().connects()).isEqualTo(100);

        clock.advance(Duration.ofSeconds(91)); // the slow read is now more than 2 minutes old
        EnvoyConnectWindow.Stats s = window.stats();
        assertThat(s.connects()).isEqualTo(50);
        assertThat(s.p99()).hasValueSatisfying(p -> assertThat(p).isLessThanOrEqualTo(Duration.ofMillis(100)));
    }

    /** The admin API unreachable for longer than the window: the gap's connects are not put into the window at once. */
    @Test
    void shouldNotDifferenceAReadMoreThanASpanAfterTheOneBefore() {
        window.record(cumulative(0, 0, 0, 0, 0));
        clock.advance(Duration.ofMinutes(2).plusSeconds(1));

        assertThat(window.record(cumulative(0, 0, 0, 500, 500))).isEqualTo(EnvoyConnectWindow.Read.FIRST);
        assertThat(window.stats().connects()).isZero();
        clock.advance(Duration.ofSeconds(30));
        assertThat(window.record(cumulative(10, 10, 10, 510, 510))).isEqualTo(EnvoyConnectWindow.Read.ADDED);
        assertThat(window.stats().connects()).as("only the connects since the read after the gap").isEqualTo(10);
    }

    @Test
    void shouldStartAgainWhenEnvoysCountsFall() {
        window.record(cumulative(0, 0, 0, 0, 0));
        clock.advance(Duration.ofSeconds(30));
        window.record(cumulative(0, 0, 0, 40, 40));
        clock.advance(Duration.ofSeconds(30));
        // The sidecar restarted: its counters began again at zero.
        assertThat(window.record(cumulative(3, 3, 3, 3, 3))).isEqualTo(EnvoyConnectWindow.Read.RESTARTED);
        EnvoyConnectWindow.Stats afterRestart = window.stats();
        assertThat(afterRestart.connects()).isZero();
        assertThat(afterRestart.restarts()).isEqualTo(1);

        clock.advance(Duration.ofSeconds(30));
        assertThat(window.record(cumulative(8, 8, 8, 8, 8))).isEqualTo(EnvoyConnectWindow.Read.ADDED);
        assertThat(window.stats().connects()).isEqualTo(5);
    }

    @Test
    void shouldStartAgainWhenTheBoundsChange() {
        window.record(cumulative(0, 0, 0, 10, 10));
        ConnectBuckets otherBounds = new ConnectBuckets(List.of(new ConnectBuckets.Bucket(1, 20),
                new ConnectBuckets.Bucket(5, 20)));
        assertThat(window.record(otherBounds)).isEqualTo(EnvoyConnectWindow.Read.RESTARTED);
    }

    @Test
    void shouldReadNoQuantileFromAnEmptyWindow() {
        window.record(cumulative(0, 0, 0, 0, 0));
        clock.advance(Duration.ofSeconds(30));
        window.record(cumulative(0, 0, 0, 0, 0));
        assertThat(window.stats().p99()).isEmpty();
        assertThat(window.stats().connects()).isZero();
    }

    /** However short the refresh, the ring stays bounded and still spans the window, at a coarser step. */
    @Test
    void shouldMergeTheOldestDifferencesPastItsBoundAndKeepEveryConnectOfTheSpan() {
        long total = 0;
        window.record(cumulative(0, 0, 0, 0, 0));
        for (int i = 1; i <= 3 * EnvoyConnectWindow.MAX_DIFFERENCES; i++) {
            clock.advance(Duration.ofMillis(500));
            total = i;
            window.record(cumulative(total, total, total, total, total));
        }
        assertThat(window.stats().connects()).as("96 s of reads, within the 2-minute window").isEqualTo(total);
    }
}
