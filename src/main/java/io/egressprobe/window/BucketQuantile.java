package io.egressprobe.window;

/**
 * A quantile from cumulative histogram buckets, as Prometheus's {@code histogram_quantile} computes it: prometheus/prometheus
 * {@code promql/quantile.go}, {@code bucketQuantile}. The rank {@code q × observations} is found in the first bucket whose
 * cumulative count reaches it, and the value is interpolated linearly between that bucket's lower bound (the previous
 * bucket's upper bound, or 0 for the lowest bucket) and its upper bound. The rules kept from there:
 * <ul>
 *   <li>{@code q < 0} is −∞, {@code q > 1} is +∞, NaN is NaN;</li>
 *   <li>the highest bucket must be +Inf, else NaN; fewer than two buckets, or no observation, is NaN;</li>
 *   <li>a rank in the +Inf bucket is the second-highest bucket's upper bound;</li>
 *   <li>a rank in a lowest bucket whose upper bound is at or below 0 is that bound;</li>
 *   <li>counts that fall (a bucket below an earlier one) are raised to the earlier one ({@code ensureMonotonic}).</li>
 * </ul>
 * Buckets are taken in the order given, which the caller keeps ascending (Envoy answers them so). Pure.
 */
public final class BucketQuantile {
    private BucketQuantile() {}

    /**
     * @param upperBounds ascending, the last +Inf
     * @param cumulative  the count of observations at or below each bound
     */
    public static double of(double q, double[] upperBounds, double[] cumulative) {
        if (Double.isNaN(q)) {
            return Double.NaN;
        }
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        int n = upperBounds.length;
        if (n != cumulative.length) {
            throw new IllegalArgumentException("bounds and counts differ in length: " + n + " and " + cumulative.length);
        }
        if (n == 0 || upperBounds[n - 1] != Double.POSITIVE_INFINITY || n < 2) {
            return Double.NaN;
        }
        double[] counts = cumulative.clone();
        for (int i = 1; i < n; i++) {
            counts[i] = Math.max(counts[i], counts[i - 1]);
        }
        double observations = counts[n - 1];
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        // sort.Search(len(buckets)-1, count >= rank): the first of all but the +Inf bucket, or n-1 where none.
        int b = 0;
        while (b < n - 1 && counts[b] < rank) {
            b++;
        }
        if (b == n - 1) {
            return upperBounds[n - 2];
        }
        if (b == 0 && upperBounds[0] <= 0) {
            return upperBounds[0];
        }
        double bucketStart = 0;
        double bucketEnd = upperBounds[b];
        double count = counts[b];
        if (b > 0) {
            bucketStart = upperBounds[b - 1];
            count -= counts[b - 1];
            rank -= counts[b - 1];
        }
        return bucketStart + (bucketEnd - bucketStart) * (rank / count);
    }
}
