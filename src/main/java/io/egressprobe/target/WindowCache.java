package io.egressprobe.target;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/**
 * A target's window statistics for its readers, recomputed at most every {@link #TTL_MILLIS} (a record invalidates
 * them at once), and the median the lost-SYN check compares with, refreshed as often: computing either on every
 * attempt would copy and sort the whole window each time.
 */
final class WindowCache {
    static final long TTL_MILLIS = 1000;

    private final Clock clock;
    private final ProbePath path;
    private WindowStats stats;
    private long statsAt;
    private Optional<Duration> median;
    private long medianAt;

    WindowCache(Clock clock, ProbePath path) {
        this.clock = clock;
        this.path = path;
    }

    synchronized WindowStats stats(SampleWindow window, EffectiveTimeout timeout, int toleratedSynLosses) {
        long now = clock.millis();
        if (stats == null || now - statsAt >= TTL_MILLIS || stats.timeout() != timeout) {
            stats = WindowStatistics.compute(window.snapshot(), timeout, path, toleratedSynLosses);
            statsAt = now;
        }
        return stats;
    }

    synchronized Optional<Duration> median(SampleWindow window, EffectiveTimeout timeout, int toleratedSynLosses) {
        long now = clock.millis();
        if (median == null || now - medianAt >= TTL_MILLIS) {
            median = stats(window, timeout, toleratedSynLosses).quantiles().map(WindowStats.Quantiles::p50);
            medianAt = now;
        }
        return median;
    }

    synchronized void invalidate() {
        stats = null;
    }
}
