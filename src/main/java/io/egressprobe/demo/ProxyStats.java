package io.egressprobe.demo;

import java.util.Arrays;

/**
 * What the demo's proxy counts of its upstream connects, rendered as Envoy renders a cluster's stats: the three
 * counters and {@code upstream_cx_connect_ms}, as the quantiles since start (over the last {@value #KEPT} connects: a
 * demo runs for minutes, not months) or, where asked for {@code histogram_buckets=cumulative}, as the cumulative counts
 * of every connect in the DaemonSet's buckets.
 */
final class ProxyStats {
    static final int KEPT = 4096;

    private long total;
    private long timeouts;
    private long failures;
    private final double[] connectMillis = new double[KEPT];
    private int recorded;

    /** Connects below each of {@link EnvoyAdminJson#DAEMONSET_BUCKETS}, since start, and at the last answer. */
    private final long[] below = new long[EnvoyAdminJson.DAEMONSET_BUCKETS.length];
    private final long[] belowAtLastAnswer = new long[EnvoyAdminJson.DAEMONSET_BUCKETS.length];

    synchronized void connected(double millis) {
        total++;
        connectMillis[recorded++ % KEPT] = millis;
        for (int i = 0; i < below.length; i++) {
            // Envoy counts, for each bound, the values below it (admin docs: "All values below the upper bound").
            if (millis < EnvoyAdminJson.DAEMONSET_BUCKETS[i]) {
                below[i]++;
            }
        }
    }

    /** The stats with {@code upstream_cx_connect_ms} as cumulative buckets, as Envoy 1.22 and later answer them. */
    synchronized String envoyJsonWithBuckets(String cluster) {
        long[] interval = new long[below.length];
        for (int i = 0; i < below.length; i++) {
            interval[i] = below[i] - belowAtLastAnswer[i];
            belowAtLastAnswer[i] = below[i];
        }
        return EnvoyAdminJson.statsWithBuckets("cluster." + cluster + ".", timeouts, timeouts + failures, total,
                EnvoyAdminJson.DAEMONSET_BUCKETS, below.clone(), interval);
    }

    synchronized void timedOut() {
        total++;
        timeouts++;
    }

    synchronized void failed() {
        total++;
        failures++;
    }

    synchronized int connectTimeouts() {
        return (int) timeouts;
    }

    synchronized String envoyJson(String cluster) {
        double[] sorted = Arrays.copyOf(connectMillis, Math.min(recorded, KEPT));
        Arrays.sort(sorted);
        double[] quantiles = new double[sorted.length == 0 ? 0 : EnvoyAdminJson.SUPPORTED.length];
        for (int i = 0; i < quantiles.length; i++) {
            quantiles[i] = sorted[(int) Math.min(sorted.length - 1, Math.floor(EnvoyAdminJson.SUPPORTED[i] / 100 * sorted.length))];
        }
        return EnvoyAdminJson.stats("cluster." + cluster + ".", timeouts, timeouts + failures, total, quantiles);
    }
}
