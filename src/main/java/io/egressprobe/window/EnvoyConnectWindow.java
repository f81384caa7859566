package io.egressprobe.window;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Optional;

/**
 * Envoy's {@code upstream_cx_connect_ms} of one cluster over a target's window: each read of the cumulative buckets
 * is differenced with the read before it, which gives the connects Envoy timed in between, and the differences of the
 * last {@code span} are kept in a ring and summed. A read whose counts fell (Envoy restarted) or whose bounds changed
 * cannot be differenced: the window starts again from it, and {@link Read#RESTARTED} says so once.
 *
 * <p>A difference counts from the read before it, so the window reaches back up to one refresh period beyond
 * {@code span}. At most {@value #MAX_READS} differences are kept, whatever the refresh period. Pure; the clock is
 * injected; not thread-safe (its owner locks).
 */
public final class EnvoyConnectWindow {
    static final int MAX_READS = 4096;

    /** What one read did to the window. */
    public enum Read { FIRST, ADDED, RESTARTED }

    /**
     * The window's connects.
     *
     * @param connects connects Envoy completed in the window
     * @param p50      and {@code p99}: Prometheus's {@code histogram_quantile} of the window's buckets
     * @param restarts reads that found Envoy's counters started again (since this window was created)
     */
    public record Stats(long connects, Optional<Duration> p50, Optional<Duration> p99, int restarts) {
        public static final Stats NONE = new Stats(0, Optional.empty(), Optional.empty(), 0);
    }

    private record Delta(Instant at, ConnectBuckets buckets) {}

    private final Clock clock;
    private Duration span;
    private final Deque<Delta> deltas = new ArrayDeque<>();
    private ConnectBuckets last;
    private int restarts;

    public EnvoyConnectWindow(Clock clock, Duration span) {
        this.clock = clock;
        this.span = span;
    }

    /** A new span for the same cluster: the differences already kept stay, those now outside it age out. */
    public void span(Duration next) {
        span = next;
    }

    /** Takes one read of the cumulative buckets. */
    public Read record(ConnectBuckets cumulative) {
        Instant now = clock.instant();
        ConnectBuckets previous = last;
        last = cumulative;
        if (previous == null) {
            return Read.FIRST;
        }
        Optional<ConnectBuckets> delta = cumulative.since(previous);
        if (delta.isEmpty()) {
            deltas.clear();
            restarts++;
            return Read.RESTARTED;
        }
        deltas.addLast(new Delta(now, delta.get()));
        while (deltas.size() > MAX_READS) {
            deltas.removeFirst();
        }
        return Read.ADDED;
    }

    /** Forgets every read: the cluster the connects go through is another now. */
    public void clear() {
        deltas.clear();
        last = null;
    }

    public Stats stats() {
        Instant from = clock.instant().minus(span);
        while (!deltas.isEmpty() && deltas.peekFirst().at().isBefore(from)) {
            deltas.removeFirst();
        }
        ConnectBuckets sum = new ConnectBuckets(List.of());
        for (Delta d : deltas) {
            sum = sum.plus(d.buckets());
        }
        return new Stats(sum.connects(), sum.quantile(0.5), sum.quantile(0.99), restarts);
    }
}
