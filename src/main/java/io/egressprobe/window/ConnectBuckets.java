package io.egressprobe.window;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Envoy's {@code upstream_cx_connect_ms} histogram of one cluster as {@code /stats?histogram_buckets=cumulative}
 * answers it: for each bucket's upper bound (milliseconds, ascending), the connects counted below it. Since the proxy
 * started, or, as a difference of two reads ({@link #since}), between them.
 *
 * <p>Envoy's answer has no +Inf bucket and no sample count (envoyproxy/envoy {@code source/server/admin/stats_render.cc},
 * {@code StatsJsonRender::collectBuckets} writes {@code upper_bound}, {@code interval}, {@code cumulative} of the
 * supported buckets only): the highest bucket's count stands for every connect, so a connect slower than the highest
 * bound is not counted. The DaemonSet's buckets reach 10 s, as far as Istio lets a connect timeout be useful.
 */
public record ConnectBuckets(List<Bucket> buckets) {
    /** Connects counted below {@code upperBoundMillis}. */
    public record Bucket(double upperBoundMillis, long count) {}

    public ConnectBuckets {
        buckets = List.copyOf(buckets);
        for (int i = 1; i < buckets.size(); i++) {
            if (!(buckets.get(i).upperBoundMillis() > buckets.get(i - 1).upperBoundMillis())) {
                throw new IllegalArgumentException("bucket bounds are not ascending at " + buckets.get(i).upperBoundMillis());
            }
        }
    }

    /** Every connect counted: the highest bucket's. */
    public long connects() {
        return buckets.isEmpty() ? 0 : buckets.get(buckets.size() - 1).count();
    }

    /**
     * The connects counted after {@code earlier} and up to this read, bucket by bucket; empty where the two cannot be
     * differenced: other bounds (a changed {@code statsHistogramBuckets}), or a count that fell (Envoy restarted, its
     * counters started again from zero).
     */
    public Optional<ConnectBuckets> since(ConnectBuckets earlier) {
        if (earlier.buckets.size() != buckets.size()) {
            return Optional.empty();
        }
        Bucket[] delta = new Bucket[buckets.size()];
        for (int i = 0; i < delta.length; i++) {
            Bucket now = buckets.get(i);
            Bucket then = earlier.buckets.get(i);
            if (now.upperBoundMillis() != then.upperBoundMillis() || now.count() < then.count()) {
                return Optional.empty();
            }
            delta[i] = new Bucket(now.upperBoundMillis(), now.count() - then.count());
        }
        return Optional.of(new ConnectBuckets(List.of(delta)));
    }

    /**
     * Quantile {@code q} as Prometheus's {@code histogram_quantile} reads these buckets ({@link BucketQuantile}), with a
     * +Inf bucket holding the highest bucket's count; empty where no connect was counted.
     */
    public Optional<Duration> quantile(double q) {
        int n = buckets.size();
        double[] bounds = new double[n + 1];
        double[] counts = new double[n + 1];
        for (int i = 0; i < n; i++) {
            bounds[i] = buckets.get(i).upperBoundMillis();
            counts[i] = buckets.get(i).count();
        }
        bounds[n] = Double.POSITIVE_INFINITY;
        counts[n] = connects();
        double millis = BucketQuantile.of(q, bounds, counts);
        return Double.isFinite(millis) ? Optional.of(Duration.ofNanos(Math.round(millis * 1_000_000))) : Optional.empty();
    }
}
