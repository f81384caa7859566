package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Prometheus's own cases for {@code histogram_quantile} over classic buckets: prometheus/prometheus
 * {@code promql/testdata/histograms.test}, the two histograms {@code testhistogram_bucket} at 50m ({@code start="positive"}:
 * le 0.1 → 50, .2 → 70, 1e0 → 110, +Inf → 120; {@code start="negative"}: le -.2 → 10, -0.1 → 20, 0.3 → 20, +Inf → 30),
 * with the values that file expects.
 */
class BucketQuantileTest {
    static final double INF = Double.POSITIVE_INFINITY;
    static final double[] POSITIVE_BOUNDS = {0.1, 0.2, 1, INF};
    static final double[] POSITIVE_COUNTS = {50, 70, 110, 120};
    static final double[] NEGATIVE_BOUNDS = {-0.2, -0.1, 0.3, INF};
    static final double[] NEGATIVE_COUNTS = {10, 20, 20, 30};

    @ParameterizedTest(name = "histogram_quantile({0}, start=positive) = {1}")
    @CsvSource({
            "-0.1, -Infinity", // Quantile too low.
            "1.01, Infinity",  // Quantile too high.
            "0, 0",            // Quantile value in lowest bucket, which is positive.
            "1, 1",            // Quantile value in highest bucket.
            "0.2, 0.048",      // Finally some useful quantiles.
            "0.5, 0.15",
            "0.8, 0.72"})
    void shouldMatchPrometheusOnThePositiveHistogram(double q, double expected) {
        assertThat(BucketQuantile.of(q, POSITIVE_BOUNDS, POSITIVE_COUNTS)).isCloseTo(expected, within(1e-9));
    }

    @ParameterizedTest(name = "histogram_quantile({0}, start=negative) = {1}")
    @CsvSource({
            "-0.1, -Infinity",
            "1.01, Infinity",
            "0, -0.2",  // Quantile value in lowest bucket, which is negative.
            "1, 0.3",
            "0.2, -0.2",
            "0.5, -0.15",
            "0.8, 0.3"})
    void shouldMatchPrometheusOnTheNegativeHistogram(double q, double expected) {
        assertThat(BucketQuantile.of(q, NEGATIVE_BOUNDS, NEGATIVE_COUNTS)).isCloseTo(expected, within(1e-9));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"no +Inf bucket", "no observation", "one bucket", "NaN quantile"})
    void shouldBeNaNWherePrometheusIs(String which) {
        double result = switch (which) {
            case "no +Inf bucket" -> BucketQuantile.of(0.5, new double[] {0.1, 0.2}, new double[] {1, 2});
            case "no observation" -> BucketQuantile.of(0.5, new double[] {0.1, INF}, new double[] {0, 0});
            case "one bucket" -> BucketQuantile.of(0.5, new double[] {INF}, new double[] {3});
            default -> BucketQuantile.of(Double.NaN, POSITIVE_BOUNDS, POSITIVE_COUNTS);
        };
        assertThat(result).isNaN();
    }

    /**
     * {@code ensureMonotonic}: a bucket whose count falls below an earlier one's is raised to it. histograms.test's
     * {@code nonmonotonic_bucket} at 50m: le 0.1 → 20, 1 → 10, 10 → 50, 100 → 40, 1000 → 90, +Inf → 80.
     */
    @ParameterizedTest(name = "histogram_quantile({0}, nonmonotonic_bucket) = {1}")
    @CsvSource({"0.01, 0.0045", "0.5, 8.5", "0.99, 979.75"})
    void shouldForceTheCountsMonotonicAsPrometheusDoes(double q, double expected) {
        assertThat(BucketQuantile.of(q, new double[] {0.1, 1, 10, 100, 1000, INF}, new double[] {20, 10, 50, 40, 90, 80}))
                .isCloseTo(expected, within(1e-9));
    }
}
