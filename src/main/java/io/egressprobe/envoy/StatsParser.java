package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.window.ConnectBuckets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads per-cluster connect stats from {@code /stats?format=json&histogram_buckets=cumulative}. Stat names are
 * {@code cluster.<cluster>.<stat>}, or {@code cluster.<cluster>;.<stat>} since Istio 1.23 set
 * {@code alt_stat_name}; cluster names hold dots, so names are split at the known stat suffix.
 *
 * <p>Histograms come in one of two forms, by Envoy's version (envoyproxy/envoy
 * {@code source/server/admin/stats_render.cc}, {@code StatsJsonRender}): from 1.22 on ("stats: histogram_buckets query
 * parameter added", 1.22.0 release notes) {@code histograms} is an array of {@code {name, buckets: [{upper_bound,
 * interval, cumulative}]}} ({@code collectBuckets}); an older Envoy ignores the parameter and answers the quantile
 * summary, {@code histograms: {supported_quantiles, computed_quantiles}}, whose values pair with the supported
 * quantiles by position (the cumulative ones, since the proxy started, are used). From buckets the since-start
 * quantiles are read as Prometheus reads buckets ({@link ConnectBuckets#quantile}). Pure.
 */
public final class StatsParser {
    static final String TIMEOUTS = "upstream_cx_connect_timeout";
    static final String FAILURES = "upstream_cx_connect_fail";
    static final String TOTAL = "upstream_cx_total";
    static final String CONNECT_MS = "upstream_cx_connect_ms";
    /** Envoy's percentiles we export, as quantiles. */
    private static final Map<Double, Double> EXPORTED = Map.of(50.0, 0.5, 90.0, 0.9, 99.0, 0.99, 99.9, 0.999);

    private StatsParser() {}

    /**
     * Keeps, of a stats answer read as a stream, the named clusters' connect stats only: where the filter could not name
     * them (too many for a request line), the answer holds every cluster's.
     */
    static PrunedTree.Pruning pruning(Set<String> clusters) {
        return new PrunedTree.Pruning() {
            @Override
            public boolean keep(String array, JsonNode element) {
                if (!array.equals("stats") && !array.equals("computed_quantiles") && !array.equals("histograms")
                        || !element.has("name")) {
                    return true;
                }
                String name = element.get("name").asText();
                for (String stat : List.of(TIMEOUTS, FAILURES, TOTAL, CONNECT_MS)) {
                    String cluster = clusterOf(name, stat);
                    if (cluster != null) {
                        return clusters.contains(cluster);
                    }
                }
                return false;
            }
        };
    }

    /** @throws IllegalArgumentException when the answer is not the JSON stats format */
    public static Map<String, ClusterStats> parse(String body) {
        return parse(Json.answer(body, "stats", "the answer"));
    }

    /** The same, from an answer already read. */
    public static Map<String, ClusterStats> parse(JsonNode answer) {
        JsonNode root = Json.answer(answer, "stats", "the answer");
        Map<String, Map<String, Long>> counters = new HashMap<>();
        Map<String, Map<Double, Duration>> quantiles = new HashMap<>();
        Map<String, ConnectBuckets> buckets = new HashMap<>();
        for (JsonNode stat : root.get("stats")) {
            if (stat.has("name") && stat.has("value")) {
                for (String counter : List.of(TIMEOUTS, FAILURES, TOTAL)) {
                    String cluster = clusterOf(stat.get("name").asText(), counter);
                    if (cluster != null) {
                        counters.computeIfAbsent(cluster, c -> new HashMap<>()).put(counter, stat.get("value").asLong());
                    }
                }
            } else if (stat.path("histograms").isArray()) {
                for (JsonNode h : stat.get("histograms")) {
                    String cluster = clusterOf(h.path("name").asText(""), CONNECT_MS);
                    if (cluster != null) {
                        buckets.put(cluster, buckets(h.path("buckets"), h.path("name").asText()));
                    }
                }
            } else if (stat.has("histograms")) {
                JsonNode supported = stat.get("histograms").path("supported_quantiles");
                for (JsonNode h : stat.get("histograms").path("computed_quantiles")) {
                    String cluster = clusterOf(h.path("name").asText(""), CONNECT_MS);
                    if (cluster != null) {
                        quantiles.put(cluster, quantiles(supported, h.path("values")));
                    }
                }
            }
        }
        Map<String, ClusterStats> result = new LinkedHashMap<>();
        Set<String> clusters = new TreeSet<>(counters.keySet());
        clusters.addAll(quantiles.keySet());
        clusters.addAll(buckets.keySet());
        for (String cluster : clusters) {
            Map<String, Long> c = counters.getOrDefault(cluster, Map.of());
            Optional<ConnectBuckets> b = Optional.ofNullable(buckets.get(cluster));
            result.put(cluster, new ClusterStats(optional(c.get(TIMEOUTS)), optional(c.get(FAILURES)),
                    optional(c.get(TOTAL)), quantiles.getOrDefault(cluster, b.map(StatsParser::quantiles).orElse(Map.of())), b));
        }
        return result;
    }

    /** One histogram's cumulative buckets, in Envoy's order (ascending bounds). */
    private static ConnectBuckets buckets(JsonNode buckets, String name) {
        List<ConnectBuckets.Bucket> list = new ArrayList<>(buckets.size());
        for (JsonNode b : buckets) {
            JsonNode bound = b.get("upper_bound");
            JsonNode cumulative = b.get("cumulative");
            if (bound == null || !bound.isNumber() || cumulative == null || !cumulative.isNumber()) {
                throw new IllegalArgumentException(name + ": a bucket without a numeric upper_bound and cumulative: " + b);
            }
            list.add(new ConnectBuckets.Bucket(bound.asDouble(), cumulative.asLong()));
        }
        return new ConnectBuckets(list);
    }

    /** The exported quantiles since start, read from the cumulative buckets; none where no connect was counted. */
    private static Map<Double, Duration> quantiles(ConnectBuckets buckets) {
        Map<Double, Duration> q = new HashMap<>();
        for (double quantile : EXPORTED.values()) {
            buckets.quantile(quantile).ifPresent(d -> q.put(quantile, d));
        }
        return q;
    }

    private static Map<Double, Duration> quantiles(JsonNode supported, JsonNode values) {
        Map<Double, Duration> q = new HashMap<>();
        for (int i = 0; i < supported.size() && i < values.size(); i++) {
            Double quantile = EXPORTED.get(supported.get(i).asDouble());
            JsonNode cumulative = values.get(i).get("cumulative");
            if (quantile != null && cumulative != null && cumulative.isNumber()) {
                q.put(quantile, Duration.ofNanos((long) (cumulative.asDouble() * 1_000_000)));
            }
        }
        return q;
    }

    /** The cluster of {@code cluster.<cluster>[;].<stat>}, or null for another stat. */
    static String clusterOf(String name, String stat) {
        if (!name.startsWith("cluster.") || !name.endsWith("." + stat)) {
            return null;
        }
        String cluster = name.substring("cluster.".length(), name.length() - stat.length() - 1);
        return cluster.endsWith(";") ? cluster.substring(0, cluster.length() - 1) : cluster;
    }

    private static OptionalLong optional(Long value) {
        return value == null ? OptionalLong.empty() : OptionalLong.of(value);
    }
}
