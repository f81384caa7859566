package io.egressprobe.window;

import io.egressprobe.measure.UpstreamSample;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * One target's attempts by the address they went to, over the target's window: "one load-balancer IP in one zone
 * times out" is invisible once addresses rotate into one distribution. Bounded: the first {@code limit} addresses
 * seen (in the window) each have their own view, the rest share {@link #OTHERS}; each address keeps at most
 * {@code capacity} attempts. Expiry is lazy, by the injected clock. The views are kept until an attempt is recorded
 * or the oldest one leaves the window: every scrape reads them twice per address. Thread-safe.
 */
public final class AddressWindow {
    /** The shared view of the addresses beyond the limit. */
    public static final String OTHERS = "other";

    private final Clock clock;
    private final long windowMillis;
    private final int limit;
    private final int capacity;
    private final Map<String, Deque<long[]>> byAddress = new LinkedHashMap<>();
    private List<Stats> views;
    /** When {@link #views} stop being true without a record: the oldest attempt's expiry. */
    private long viewsValidUntil;

    /** One address over the window; {@code p99} of its samples (cut ones at their elapsed time), empty without any. */
    public record Stats(String address, int attempts, int failures, int cut, Optional<Duration> p99) {
        public double failureRatio() {
            return attempts == 0 ? 0 : (double) failures / attempts;
        }
    }

    public AddressWindow(Clock clock, Duration window, int limit, int capacity) {
        this.clock = clock;
        this.windowMillis = window.toMillis();
        this.limit = limit;
        this.capacity = capacity;
    }

    /** One attempt to {@code address}; {@code sample} is what it added to the distribution, if anything. */
    public synchronized void record(String address, boolean failed, Optional<UpstreamSample> sample) {
        long now = clock.millis();
        expire(now);
        views = null;
        String key = address;
        if (!byAddress.containsKey(address)) {
            long own = byAddress.keySet().stream().filter(k -> !k.equals(OTHERS)).count();
            key = own < limit ? address : OTHERS;
        }
        Deque<long[]> attempts = byAddress.computeIfAbsent(key, k -> new ArrayDeque<>());
        if (attempts.size() == capacity) {
            attempts.removeFirst();
        }
        attempts.addLast(new long[] {now, failed ? 1 : 0, sample.map(s -> s.value().toNanos()).orElse(-1L),
                sample.map(s -> s.censored() ? 1L : 0L).orElse(0L)});
    }

    /** Every address's view, the worst failure share first, then the highest p99. */
    public synchronized List<Stats> stats() {
        long now = clock.millis();
        if (views != null && now < viewsValidUntil) {
            return views;
        }
        expire(now);
        List<Stats> out = new ArrayList<>();
        long oldest = Long.MAX_VALUE;
        for (Map.Entry<String, Deque<long[]>> entry : byAddress.entrySet()) {
            Deque<long[]> attempts = entry.getValue();
            int failures = 0;
            int cut = 0;
            long[] values = new long[attempts.size()];
            int n = 0;
            oldest = Math.min(oldest, attempts.peekFirst()[0]);
            for (long[] a : attempts) {
                failures += (int) a[1];
                cut += (int) a[3];
                if (a[2] >= 0) {
                    values[n++] = a[2];
                }
            }
            long[] sorted = Arrays.copyOf(values, n);
            Arrays.sort(sorted);
            out.add(new Stats(entry.getKey(), attempts.size(), failures, cut,
                    n == 0 ? Optional.empty() : Optional.of(WindowStatistics.quantile(sorted, 0.99))));
        }
        out.sort(Comparator.comparingDouble(Stats::failureRatio).reversed()
                .thenComparing(s -> s.p99().orElse(Duration.ZERO), Comparator.reverseOrder()));
        views = List.copyOf(out);
        // expire() drops an attempt once it is older than the window: this one stays until just after that.
        viewsValidUntil = oldest == Long.MAX_VALUE ? Long.MAX_VALUE : oldest + windowMillis + 1;
        return views;
    }

    private void expire(long now) {
        long oldest = now - windowMillis;
        byAddress.values().forEach(d -> {
            while (!d.isEmpty() && d.peekFirst()[0] < oldest) {
                d.removeFirst();
            }
        });
        byAddress.values().removeIf(Deque::isEmpty);
    }
}
