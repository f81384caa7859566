package io.egressprobe.demo;

import io.egressprobe.envoy.ClusterTimeouts;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Envoy's admin answers as the daemon asks for them, for the demo's stand-in and the tests': a cluster dump in the
 * {@code resource=dynamic_active_clusters} form, and one cluster's connect stats in {@code /stats?format=json}'s.
 */
public final class EnvoyAdminJson {
    /** Envoy's {@code supported_quantiles}, in percent. */
    public static final double[] SUPPORTED = {0, 25, 50, 75, 90, 95, 99, 99.5, 99.9, 100};

    /**
     * The {@code upstream_cx_connect_ms} bucket bounds the DaemonSet asks Envoy for
     * ({@code sidecar.istio.io/statsHistogramBuckets} in the chart's daemonset.yaml): fine around 1 s.
     */
    public static final double[] DAEMONSET_BUCKETS = {1, 5, 10, 25, 50, 100, 250, 500, 600, 700, 800, 900, 1000, 1100, 1250,
            1500, 2000, 2500, 3000, 5000, 10000};

    private static final String DYNAMIC_CLUSTER = "type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster";

    private EnvoyAdminJson() {}

    /**
     * What a sidecar answers {@code /config_dump?resource=dynamic_active_clusters} with for one declared host:
     * {@code PassthroughCluster} at Envoy's default, and the host's cluster with its {@code connect_timeout}.
     */
    public static String sidecarClusters(String cluster, String connectTimeout) {
        Map<String, String> timeouts = new LinkedHashMap<>();
        timeouts.put(ClusterTimeouts.PASSTHROUGH, "5s");
        timeouts.put(cluster, connectTimeout);
        return dynamicClusters(timeouts);
    }

    /** {@code /config_dump?resource=dynamic_active_clusters}: each cluster with its {@code connect_timeout}, in order. */
    public static String dynamicClusters(Map<String, String> connectTimeouts) {
        StringBuilder configs = new StringBuilder();
        connectTimeouts.forEach((cluster, timeout) -> configs.append(configs.isEmpty() ? "" : ",\n").append(
                "  {\"@type\": \"%s\", \"cluster\": {\"name\": \"%s\", \"connect_timeout\": \"%s\"}}"
                        .formatted(DYNAMIC_CLUSTER, cluster, timeout)));
        return "{\"configs\": [\n" + configs + "\n]}\n";
    }

    /**
     * The answer to {@code /config_dump?resource=R} where the dump is {@code clusters} alone, as a sidecar with nothing
     * declared on the target's port answers it: its clusters, {@code virtualOutbound}'s catch-all chain to
     * {@code PassthroughCluster} for the listeners, no route configs.
     */
    public static String resource(String resource, String clusters) {
        if ("dynamic_listeners".equals(resource)) {
            return "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener\","
                    + " \"name\": \"virtualOutbound\", \"active_state\": {\"listener\": {\"name\": \"virtualOutbound\","
                    + " \"use_original_dst\": true, \"address\": {\"socket_address\": {\"address\": \"0.0.0.0\", \"port_value\": 15001}},"
                    + " \"filter_chains\": [{\"filters\": [{\"name\": \"envoy.filters.network.tcp_proxy\","
                    + " \"typed_config\": {\"cluster\": \"PassthroughCluster\"}}]}]}}}]}\n";
        }
        return "dynamic_route_configs".equals(resource) ? "{\"configs\": []}\n" : clusters;
    }

    /**
     * One cluster's connect stats as Envoy 1.22 and later answer {@code /stats?format=json&histogram_buckets=cumulative}:
     * the three counters, and {@code histograms} as an array of {@code {name, buckets: [{upper_bound, interval,
     * cumulative}]}} (envoyproxy/envoy {@code source/server/admin/stats_render.cc}, {@code StatsJsonRender::collectBuckets};
     * the shape of its test {@code HandlerStatsJsonHistogramBucketsCumulative}).
     *
     * @param bounds     each bucket's upper bound, ascending
     * @param cumulative connects below each bound since start
     * @param interval   connects below each bound in the last interval
     */
    public static String statsWithBuckets(String prefix, long connectTimeouts, long connectFailures, long connections,
                                          double[] bounds, long[] cumulative, long[] interval) {
        StringBuilder buckets = new StringBuilder();
        for (int i = 0; i < bounds.length; i++) {
            buckets.append(i == 0 ? "" : ",").append(String.format(Locale.ROOT,
                    "{\"upper_bound\":%s,\"interval\":%d,\"cumulative\":%d}", plain(bounds[i]), interval[i], cumulative[i]));
        }
        return """
                {"stats":[
                {"name":"%supstream_cx_connect_timeout","value":%d},
                {"name":"%supstream_cx_connect_fail","value":%d},
                {"name":"%supstream_cx_total","value":%d},
                {"histograms":[{"name":"%supstream_cx_connect_ms","buckets":[%s]}]}
                ]}
                """.formatted(prefix, connectTimeouts, prefix, connectFailures, prefix, connections, prefix, buckets);
    }

    private static String plain(double v) {
        return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
    }

    /**
     * One cluster's connect stats: the three counters and the {@code upstream_cx_connect_ms} histogram's cumulative
     * quantiles ({@code null} where nothing was recorded).
     *
     * @param prefix           {@code cluster.<name>.}, or {@code cluster.<name>;.} as Istio 1.23 and later name them
     * @param cumulativeMillis one value per {@link #SUPPORTED} quantile, or none
     */
    public static String stats(String prefix, long connectTimeouts, long connectFailures, long connections,
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
