package io.egressprobe.window;

import java.time.Duration;
import java.util.Optional;

/**
 * Attempts cut at the timeout beside connects that completed far below it: a black hole on the way (a dead address, a
 * half-dead upstream, a dropped route), not latency. No timeout completes a connect that nothing answers; a longer one
 * only makes the proxy wait longer before it fails over. The recommendation is then sized on the completed connects
 * alone.
 *
 * <p>"Far below": the completed connects' p99.9 (their slowest below 1,000 samples) is at most {@link #FAR_BELOW} of the
 * timeout, so each cut attempt took more than twice the slowest completion, and nothing in the distribution leads up to
 * it. A slow path spreads its completions up towards the timeout instead: there the cuts are its tail, and a longer
 * timeout is the right advice.
 *
 * @param cut            attempts the timeout cut (censored samples)
 * @param completed      connects that completed; 0 when every attempt was cut
 * @param completedP99   of the completed connects; empty when none completed
 * @param completedP999  of the completed connects (their maximum below 1,000); empty when none completed
 */
public record PathFault(int cut, int completed, Optional<Duration> completedP99, Optional<Duration> completedP999) {
    public static final double FAR_BELOW = 0.5;

    /** Whether any connect completed: without one, nothing says how long a connect takes. */
    public boolean anyCompleted() {
        return completed > 0;
    }

    /**
     * The window's cuts as a path fault, where they are one: at least one cut, and every completed connect (at its
     * p99.9) at most {@link #FAR_BELOW} of the timeout.
     *
     * @param completedSorted the completed connects, ascending, in nanoseconds
     */
    static Optional<PathFault> of(int cut, long[] completedSorted, Duration timeout) {
        if (cut == 0) {
            return Optional.empty();
        }
        if (completedSorted.length == 0) {
            return Optional.of(new PathFault(cut, 0, Optional.empty(), Optional.empty()));
        }
        Duration p999 = WindowStatistics.quantile(completedSorted, 0.999);
        if (p999.toNanos() > FAR_BELOW * timeout.toNanos()) {
            return Optional.empty();
        }
        return Optional.of(new PathFault(cut, completedSorted.length,
                Optional.of(WindowStatistics.quantile(completedSorted, 0.99)), Optional.of(p999)));
    }
}
