package io.egressprobe.window;

import io.egressprobe.measure.EffectiveTimeout;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Statistics of one target's window against its effective timeout. Quantiles are exact order
 * statistics of the samples (nearest rank), not interpolated from buckets; with fewer than 1,000
 * samples p99.9 is the maximum. Empty quantiles mean an empty window.
 *
 * @param exceededRatio         share of samples at or above the timeout
 * @param synLosses             connects that needed a retransmitted SYN, and who counted them
 * @param attempts              every attempt of the window, with its failures: the availability beside the latency
 * @param sum                   of the samples, cut ones at their elapsed time
 * @param pathFault             cuts at the timeout beside completions far below it: the recommendation is then sized
 *                              on the completed connects only, and is empty when none completed
 */
public record WindowStats(
        int count,
        int censoredCount,
        Optional<Quantiles> quantiles,
        EffectiveTimeout timeout,
        double utilization,
        double exceededRatio,
        int exceededCount,
        SynLosses synLosses,
        List<WhatIf> whatIf,
        Optional<Recommendation> recommendation,
        Attempts attempts,
        Duration sum,
        Optional<PathFault> pathFault,
        Optional<ConnectLatency> judgedOn) {

    public WindowStats(int count, int censoredCount, Optional<Quantiles> quantiles, EffectiveTimeout timeout,
                       double utilization, double exceededRatio, int exceededCount, SynLosses synLosses, List<WhatIf> whatIf,
                       Optional<Recommendation> recommendation, Attempts attempts, Duration sum, Optional<PathFault> pathFault) {
        this(count, censoredCount, quantiles, timeout, utilization, exceededRatio, exceededCount, synLosses, whatIf,
                recommendation, attempts, sum, pathFault, Optional.empty());
    }

    public WindowStats(int count, int censoredCount, Optional<Quantiles> quantiles, EffectiveTimeout timeout,
                       double utilization, double exceededRatio, int exceededCount, SynLosses synLosses, List<WhatIf> whatIf,
                       Optional<Recommendation> recommendation, Attempts attempts, Duration sum) {
        this(count, censoredCount, quantiles, timeout, utilization, exceededRatio, exceededCount, synLosses, whatIf,
                recommendation, attempts, sum, Optional.empty());
    }

    /**
     * The same statistics with the utilization the latency alert judges ({@link ConnectLatency}): Envoy's own p99
     * against the timeout where that is the basis, and which basis it was. Every other number stays the probe's.
     */
    public WindowStats judgedOn(ConnectLatency latency) {
        return new WindowStats(count, censoredCount, quantiles, timeout, latency.utilization(), exceededRatio, exceededCount,
                synLosses, whatIf, recommendation, attempts, sum, pathFault, Optional.of(latency));
    }

    /** The p99 the utilization was judged on: Envoy's where {@link #judgedOn} says so, else the window's. */
    public Optional<Duration> judgedP99() {
        return judgedOn.flatMap(ConnectLatency::p99).or(() -> quantiles.map(Quantiles::p99));
    }

    /**
     * Completed connects that landed just after a SYN retransmission time (never a cut); 0 where the kernel counted
     * lost SYNs instead.
     */
    public int retransmitSuspected() {
        return synLosses.source() == SynLosses.Source.TIMING ? synLosses.connects() : 0;
    }

    /**
     * Whether quantile {@code q} of these samples is their maximum by rank, not by coincidence: with nearest rank, p99
     * of fewer than 100 samples and p99.9 of fewer than 1,000 are the slowest one, so a single slow connect is "p99".
     */
    public boolean isMaximum(double q) {
        return count > 0 && Math.ceil(q * count - 1e-9) >= count;
    }

    public record Quantiles(Duration p50, Duration p90, Duration p99, Duration p999, Duration max) {}
}
