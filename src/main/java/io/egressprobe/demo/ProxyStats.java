package io.egressprobe.demo;

import java.util.Arrays;
import java.util.Locale;

/**
 * What the demo's proxy counts of its upstream connects, rendered as Envoy renders a cluster's
 * {@code /stats?format=json}: the three counters and the {@code upstream_cx_connect_ms} quantiles since start (over the
 * last {@value #KEPT} connects: a demo runs for minutes, not months).
 */
final class ProxyStats {
    static final int KEPT = 4096;
    private static final double[] SUPPORTED = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100};

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

    synchronized String envoyJson(String cluster) {
        double[] sorted = Arrays.copyOf(connectMillis, Math.min(recorded, KEPT));
        Arrays.sort(sorted);
        StringBuilder values = new StringBuilder();
        for (double q : SUPPORTED) {
            String cumulative = sorted.length == 0 ? "null"
                    : String.format(Locale.ROOT, "%.3f", sorted[(int) Math.min(sorted.length - 1, Math.floor(q / 100 * sorted.length))]);
            values.append(values.isEmpty() ? "" : ",").append("{\"interval\":null,\"cumulative\":").append(cumulative).append('}');
        }
        String prefix = "cluster." + cluster + ".";
        return """
                {"stats":[
                {"name":"%supstream_cx_connect_timeout","value":%d},
                {"name":"%supstream_cx_connect_fail","value":%d},
                {"name":"%supstream_cx_total","value":%d},
                {"histograms":{"supported_quantiles":[0,25,50,75,90,95,99,99.5,99.9,100],
                 "computed_quantiles":[{"name":"%supstream_cx_connect_ms","values":[%s]}]}}
                ]}
                """.formatted(prefix, timeouts, prefix, timeouts + failures, prefix, total, prefix, values);
    }
}
