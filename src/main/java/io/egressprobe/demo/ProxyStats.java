package io.egressprobe.demo;

import java.util.Arrays;

/**
 * What the demo's proxy counts of its upstream connects, rendered as Envoy renders a cluster's stats: the three
 * counters and the {@code upstream_cx_connect_ms} quantiles since start (over the last {@value #KEPT} connects: a demo
 * runs for minutes, not months).
 */
final class ProxyStats {
    static final int KEPT = 4096;

    private long total;
    private long timeouts;
    private long failures;
    private final double[] connectMillis = new double[KEPT];
    private int recorded;

    synchronized void connected(double millis) {
        total++;
        connectMillis[recorded++ % KEPT] = millis;
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
