package io.egressprobe.window;

import io.egressprobe.measure.SynRetransmits;
import java.time.Duration;
import java.util.List;

/**
 * The connect timeout the measured distribution calls for (docs/architecture.md §1): the smallest of the usual
 * values that is at least {@code max(3 × p99.9, p99 + time to the N-th SYN retransmission)}, where the
 * classic schedule (1, 3, 7 s) is used because it is the slower one.
 *
 * @param needed the lower bound the distribution sets
 * @param beyondLargest even the largest usual value is below {@code needed}: look at the network, not the timeout
 */
public record Recommendation(Duration timeout, Duration needed, boolean beyondLargest) {
    public static final List<Duration> CANDIDATES = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2),
            Duration.ofSeconds(3), Duration.ofSeconds(5), Duration.ofSeconds(10), Duration.ofSeconds(15),
            Duration.ofSeconds(30));

    public static Recommendation compute(Duration p99, Duration p999, int toleratedSynLosses) {
        Duration byTail = p999.multipliedBy(3);
        Duration byLosses = p99.plus(SynRetransmits.classicTimeToNth(toleratedSynLosses));
        Duration needed = toMillis(byTail.compareTo(byLosses) >= 0 ? byTail : byLosses);
        for (Duration candidate : CANDIDATES) {
            if (candidate.compareTo(needed) >= 0) {
                return new Recommendation(candidate, needed, false);
            }
        }
        return new Recommendation(CANDIDATES.get(CANDIDATES.size() - 1), needed, true);
    }

    /**
     * To the nearest millisecond: what it is printed as, and finer than the kernel's SYN timers (jiffies) and Envoy's
     * timeout can tell apart. A 0.07 ms p99 plus the 3 s of two lost SYNs needs 3 s, not the next value up.
     */
    private static Duration toMillis(Duration d) {
        return Duration.ofMillis((d.toNanos() + 500_000) / 1_000_000);
    }
}
