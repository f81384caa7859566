package io.egressprobe.window;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Computes {@link WindowStats} from a snapshot: pure, so every number can be checked on a known sample set. */
public final class WindowStatistics {
    /** The timeouts the what-if table shows, from aggressive to Istio's default. */
    public static final List<Duration> WHAT_IF_TIMEOUTS = List.of(Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(3), Duration.ofSeconds(5),
            Duration.ofSeconds(10));

    private WindowStatistics() {}

    public static WindowStats compute(SampleWindow.Snapshot snapshot, EffectiveTimeout timeout, ProbePath path,
                                      int toleratedSynLosses) {
        long[] v = snapshot.sortedNanos();
        int n = v.length;
        List<WhatIf> whatIf = new ArrayList<>();
        for (Duration t : WHAT_IF_TIMEOUTS) {
            whatIf.add(new WhatIf(t, n == 0 ? 0 : (double) countAtOrAbove(v, t.toNanos()) / n));
        }
        boolean kernelCounts = path == ProbePath.DIRECT && snapshot.kernelSyns().connects() > 0;
        if (n == 0) {
            return new WindowStats(0, 0, Optional.empty(), timeout, 0, 0, 0,
                    kernelCounts ? SynLosses.counted(snapshot.kernelSyns()) : SynLosses.inferred(0, 0), whatIf,
                    Optional.empty(), snapshot.attempts(), Duration.ZERO);
        }
        WindowStats.Quantiles q = new WindowStats.Quantiles(quantile(v, 0.5), quantile(v, 0.9), quantile(v, 0.99),
                quantile(v, 0.999), Duration.ofNanos(v[n - 1]));
        int exceeded = countAtOrAbove(v, timeout.value().toNanos());
        // Where the kernel counted lost SYNs, nothing is inferred from timing. Elsewhere each connect was judged once,
        // when it was recorded (TargetCore.record), and the window counts those of its connects that were suspected.
        int suspected = kernelCounts ? 0 : snapshot.suspectedLostSyns();
        double utilization = (double) q.p99().toNanos() / timeout.value().toNanos();
        Optional<PathFault> pathFault = PathFault.of(snapshot.censoredCount(), snapshot.completedSortedNanos(), timeout.value());
        return new WindowStats(n, snapshot.censoredCount(), Optional.of(q), timeout, utilization,
                (double) exceeded / n, exceeded,
                kernelCounts ? SynLosses.counted(snapshot.kernelSyns())
                        : SynLosses.inferred(suspected, snapshot.completedSortedNanos().length), whatIf,
                recommendation(q, pathFault, toleratedSynLosses), snapshot.attempts(), Duration.ofNanos(sum(v)), pathFault);
    }

    /**
     * Over every sample, cut ones at their elapsed time (docs/architecture.md §1), except where the cuts are a path
     * fault: then over the completed connects only, since no timeout would have completed the cut ones and a tail of
     * censored samples at the timeout would otherwise ask for 3 × the timeout. None completed: nothing to size on.
     */
    private static Optional<Recommendation> recommendation(WindowStats.Quantiles q, Optional<PathFault> pathFault,
                                                           int toleratedSynLosses) {
        if (pathFault.isEmpty()) {
            return Optional.of(Recommendation.compute(q.p99(), q.p999(), toleratedSynLosses));
        }
        PathFault f = pathFault.get();
        return f.anyCompleted()
                ? Optional.of(Recommendation.compute(f.completedP99().orElseThrow(), f.completedP999().orElseThrow(),
                        toleratedSynLosses))
                : Optional.empty();
    }

    /** Nearest-rank order statistic: the smallest sample with at least {@code q} of the samples at or below it. */
    public static Duration quantile(long[] sorted, double q) {
        int rank = (int) Math.ceil(q * sorted.length - 1e-9);
        return Duration.ofNanos(sorted[Math.max(0, rank - 1)]);
    }

    private static long sum(long[] values) {
        long total = 0;
        for (long value : values) {
            total += value;
        }
        return total;
    }

    private static int countAtOrAbove(long[] sorted, long threshold) {
        int lo = 0;
        int hi = sorted.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] < threshold) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return sorted.length - lo;
    }
}
