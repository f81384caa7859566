package io.egressprobe.window;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
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
 * {@code span}; a read more than {@code span} after the one before it is not differenced with it (the gap's connects
 * cannot be placed in the window) but starts the differencing again. The ring holds at most
 * {@value #MAX_DIFFERENCES} differences, whatever the refresh period: past that the two oldest are merged into one,
 * counted until the newer of the two ages out, which keeps the whole span at a coarser step (its memory is a few kilobytes per
 * target, independent of the refresh period and of the mesh). Pure; the clock is injected; not thread-safe (its owner
 * locks).
 */
public final class EnvoyConnectWindow {
    static final int MAX_DIFFERENCES = 64;

    /** What one read did to the window. */
    public enum Read { FIRST, ADDED, RESTARTED }

    /**
     * The window's connects.
     *
     * @param connects connects Envoy completed in the window
     * @param p50      and {@code p99}: Prometheus's {@code histogram_quantile} of the window's buckets
     * @param restarts reads that found Envoy's counters started again (since this window was created)
     */
    public record Stats(long connects, Optional<Duration> p50, Optional<Duration> p99, int restarts) {}

    /** The connects counted in each bucket between the read before and the one at {@code at}. */
    private record Difference(Instant at, long[] counts) {}

    private final Clock clock;
    private Duration span;
    private final Deque<Difference> differences = new ArrayDeque<>();
    private ConnectBuckets last;
    private Instant lastAt;
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
        ConnectBuckets previous = last;
        Instant previousAt = lastAt;
        Instant now = clock.instant();
        last = cumulative;
        lastAt = now;
        if (previous == null || previousAt.isBefore(now.minus(span))) {
            // A read a span old or more (the admin API was unreachable since) would put every connect of the gap into
            // the window at once: it only starts the differencing again.
            return Read.FIRST;
        }
        Optional<ConnectBuckets> difference = cumulative.since(previous);
        if (difference.isEmpty()) {
            differences.clear();
            restarts++;
            return Read.RESTARTED;
        }
        List<ConnectBuckets.Bucket> buckets = difference.get().buckets();
        long[] counts = new long[buckets.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = buckets.get(i).count();
        }
        differences.addLast(new Difference(now, counts));
        if (differences.size() > MAX_DIFFERENCES) {
            Difference oldest = differences.removeFirst();
            Difference next = differences.removeFirst();
            long[] merged = next.counts().clone();
            for (int i = 0; i < merged.length; i++) {
                merged[i] += oldest.counts()[i];
            }
            differences.addFirst(new Difference(next.at(), merged));
        }
        return Read.ADDED;
    }

    /** Forgets every read: the cluster the connects go through is another now. */
    public void clear() {
        differences.clear();
        last = null;
        lastAt = null;
    }

    public Stats stats() {
        Instant from = clock.instant().minus(span);
        while (!differences.isEmpty() && differences.peekFirst().at().isBefore(from)) {
            differences.removeFirst();
        }
        if (last == null || differences.isEmpty()) {
            return new Stats(0, Optional.empty(), Optional.empty(), restarts);
        }
        long[] sum = new long[last.buckets().size()];
        for (Difference d : differences) {
            for (int i = 0; i < sum.length; i++) {
                sum[i] += d.counts()[i];
            }
        }
        List<ConnectBuckets.Bucket> buckets = new ArrayList<>(sum.length);
        for (int i = 0; i < sum.length; i++) {
            buckets.add(new ConnectBuckets.Bucket(last.buckets().get(i).upperBoundMillis(), sum[i]));
        }
        ConnectBuckets window = new ConnectBuckets(buckets);
        return new Stats(window.connects(), window.quantile(0.5), window.quantile(0.99), restarts);
    }
}
