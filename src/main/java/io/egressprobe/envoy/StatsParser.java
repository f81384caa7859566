package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads per-cluster connect stats from {@code /stats?format=json}. Stat names are
 * {@code cluster.<cluster>.<stat>}, or {@code cluster.<cluster>;.<stat>} since Istio 1.23 set
 * {@code alt_stat_name}; cluster names hold dots, so names are split at the known stat suffix. Quantiles
 * pair {@code supported_quantiles} with each histogram's {@code computed_quantiles} by position and use the
 * cumulative values (since the proxy started). Pure.
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
                if (!array.equals("stats") && !array.equals("computed_quantiles") || !element.has("name")) {
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
        for (JsonNode stat : root.get("stats")) {
            if (stat.has("name") && stat.has("value")) {
                for (String counter : List.of(TIMEOUTS, FAILURES, TOTAL)) {
                    String cluster = clusterOf(stat.get("name").asText(), counter);
                    if (cluster != null) {
                        counters.computeIfAbsent(cluster, c -> new HashMap<>()).put(counter, stat.get("value").asLong());
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
        for (String cluster : clusters) {
            Map<String, Long> c = counters.getOrDefault(cluster, Map.of());
            result.put(cluster, new ClusterStats(optional(c.get(TIMEOUTS)), optional(c.get(FAILURES)),
                    optional(c.get(TOTAL)), quantiles.getOrDefault(cluster, Map.of())));
        }
        return result;
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
