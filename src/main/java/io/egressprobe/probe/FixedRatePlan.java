package io.egressprobe.probe;

import java.util.Random;

/**
 * When a target's attempts start: at a fixed rate (previous plan + jittered interval), so that slow attempts do not
 * make the rate drift, and a missed start is not made up for. Pure: the caller gives the monotonic time ({@code now},
 * in nanoseconds) and arms its own timer, so the plan is tested without waiting.
 */
final class FixedRatePlan {
    static final double JITTER = 0.10;

    private final Random random;
    private long nextPlannedNanos;
    /** The start the armed timer aims at: the plan, or now when the previous attempt overran it. */
    private long armedForNanos;

    FixedRatePlan(Random random) {
        this.random = random;
    }

    /** The first attempt comes at a random point of the first interval, so targets do not probe in bursts. */
    void begin(long now, long intervalNanos) {
        nextPlannedNanos = now + (long) (random.nextDouble() * intervalNanos);
    }

    /** The delay to arm the timer with, rounded up to whole milliseconds: an attempt never starts before its plan. */
    long armMillis(long now) {
        armedForNanos = Math.max(nextPlannedNanos, now);
        return Math.max(1, (armedForNanos - now + 999_999) / 1_000_000);
    }

    /** An attempt starts at {@code now}: plans the next one and returns how late this one is, in nanoseconds. */
    long started(long now, long intervalNanos) {
        long lag = now - armedForNanos;
        long jittered = (long) (intervalNanos * (1 - JITTER + 2 * JITTER * random.nextDouble()));
        nextPlannedNanos += jittered;
        if (nextPlannedNanos < now) {
            // Behind the plan (an attempt overran it): the next start is an interval after this one, not at once
            // again; the plan was "now" before, which ran the attempt after a late one back to back with it.
            nextPlannedNanos = now + jittered;
        }
        return lag;
    }
}
