package io.egressprobe.demo;

import java.util.Locale;

/**
 * One cluster's connect stats as Envoy's admin API renders {@code /stats?format=json}: the three counters and the
 * {@code upstream_cx_connect_ms} histogram's cumulative quantiles ({@code null} where nothing was recorded).
 */
public final class EnvoyStatsJson {
    /** Envoy's {@code supported_quantiles}, in percent. */
    public static final double[] SUPPORTED = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100};

    private EnvoyStatsJson() {}

    /**
     * @param prefix           {@code cluster.<name>.}, or {@code cluster.<name>;.} as Istio 1.23 and later name them
     * @param cumulativeMillis one value per {@link #SUPPORTED} quantile, or none
     */
    public static String render(String prefix, long connectTimeouts, long connectFailures, long connections,
                                double[] cumulativeMillis) {
        StringBuilder values = new StringBuilder();
        for (int i = 0; i < SUPPORTED.length; i++) {
            String cumulative = cumulativeMillis.length == 0 ? "null" : String.format(Locale.ROOT, "%.3f", cumulativeMillis[i]);
            values.append(i == 0 ? "" : ",").append("{\"interval\":null,\"cumulative\":").append(cumulative).append('}');
        }
        return """
                {"stats":[
                {"name":"%supstream_cx_connect_timeout","value":%d},
                {"name":"%supstream_cx_connect_fail","value":%d},
                {"name":"%supstream_cx_total","value":%d},
                {"histograms":{"supported_quantiles":[0,25,50,75,90,95,99,99.5,99.9,100],
                 "computed_quantiles":[{"name":"%supstream_cx_connect_ms","values":[%s]}]}}
                ]}
                """.formatted(prefix, connectTimeouts, prefix, connectFailures, prefix, connections, prefix, values);
    }
}
