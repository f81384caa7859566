package io.egressprobe.window;

import io.egressprobe.measure.UpstreamSample;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;

/**
 * The upstream-connect samples of one target over a sliding time window.
 *
 * <p>A ring of primitives sized from window ÷ interval: memory per target is fixed whatever happens,
 * and when attempts come faster than planned the oldest samples give way first. Expiry is lazy, on
 * record and on read, by the injected clock; there is no timer thread. Thread-safe: probes record
 * from event loops while scrapes read.
 */
public final class SampleWindow {
    private final Clock clock;
    private final long windowMillis;
    private final long[] recordedAtMillis;
    private final long[] valueNanos;
    private final boolean[] censored;
    private int head; // index of the oldest sample
    private int size;

    public SampleWindow(Clock clock, Duration window, int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive");
        }
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.recordedAtMillis = new long[capacity];
        this.valueNanos = new long[capacity];
        this.censored = new boolean[capacity];
    }

    /** Enough room for every attempt of a full window at the fastest jittered interval (-10%), plus slack. */
    public static int capacityFor(Duration window, Duration interval) {
        long perWindow = window.toMillis() / Math.max(1, interval.toMillis() * 9 / 10);
        return (int) Math.min(1_000_000, perWindow + 16);
    }

    public synchronized void record(UpstreamSample sample) {
        long now = clock.millis();
        expire(now);
        int slot = (head + size) % valueNanos.length;
        if (size == valueNanos.length) {
            head = (head + 1) % valueNanos.length;
        } else {
            size++;
        }
        recordedAtMillis[slot] = now;
        valueNanos[slot] = sample.value().toNanos();
        censored[slot] = sample.censored();
    }

    /** The samples inside the window now, values sorted ascending. */
    public synchronized Snapshot snapshot() {
        expire(clock.millis());
        long[] values = new long[size];
        int censoredCount = 0;
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % valueNanos.length;
            values[i] = valueNanos[slot];
            if (censored[slot]) {
                censoredCount++;
            }
        }
        Arrays.sort(values);
        return new Snapshot(values, censoredCount, Instant.ofEpochMilli(clock.millis()));
    }

    /** One sample, for charts: when it was recorded, its value, and whether a timeout cut it. */
    public record Sample(long recordedAtMillis, long valueNanos, boolean censored) {}

    /** The samples inside the window now, oldest first. */
    public synchronized java.util.List<Sample> samples() {
        expire(clock.millis());
        java.util.List<Sample> result = new java.util.ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            int slot = (head + i) % valueNanos.length;
            result.add(new Sample(recordedAtMillis[slot], valueNanos[slot], censored[slot]));
        }
        return result;
    }

    public int capacity() {
        return valueNanos.length;
    }

    private void expire(long now) {
        while (size > 0 && recordedAtMillis[head] <= now - windowMillis) {
            head = (head + 1) % valueNanos.length;
            size--;
        }
    }

    /**
     * @param sortedNanos   every sample in the window, ascending; censored samples at their elapsed time
     * @param censoredCount how many of them were cut by a timeout
     */
    public record Snapshot(long[] sortedNanos, int censoredCount, Instant takenAt) {
        public int count() {
            return sortedNanos.length;
        }
    }
}
