package io.egressprobe.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Reads cluster connect timeouts from {@code /config_dump}, in every form the admin API answers: the
 * full dump (a {@code ClustersConfigDump} among other configs), the {@code resource=dynamic_active_clusters}
 * form (one {@code DynamicCluster} per element) and its {@code mask}ed variant. Elements are recognised
 * by {@code @type}, never by position; snake_case and camelCase keys are both accepted. Pure.
 */
public final class ConfigDumpParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String CLUSTERS_DUMP = "envoy.admin.v3.ClustersConfigDump";
    private static final String DYNAMIC_CLUSTER = "envoy.admin.v3.ClustersConfigDump.DynamicCluster";
    private static final String STATIC_CLUSTER = "envoy.admin.v3.ClustersConfigDump.StaticCluster";

    private ConfigDumpParser() {}

    /** @throws IllegalArgumentException when the answer is not a config dump */
    public static ClusterTimeouts parse(String body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.path("configs").isArray()) {
            throw new IllegalArgumentException("no configs[] in the config dump");
        }
        Map<String, Optional<Duration>> timeouts = new LinkedHashMap<>();
        for (JsonNode config : root.get("configs")) {
            String type = typeOf(config);
            if (type.equals(CLUSTERS_DUMP)) {
                for (String list : new String[] {"static_clusters", "staticClusters", "dynamic_active_clusters",
                        "dynamicActiveClusters"}) {
                    config.path(list).forEach(entry -> add(entry.path("cluster"), timeouts));
                }
            } else if (type.equals(DYNAMIC_CLUSTER) || type.equals(STATIC_CLUSTER)) {
                add(config.path("cluster"), timeouts);
            }
        }
        return new ClusterTimeouts(timeouts);
    }

    private static void add(JsonNode cluster, Map<String, Optional<Duration>> timeouts) {
        String name = cluster.path("name").asText("");
        if (name.isEmpty()) {
            return;
        }
        JsonNode timeout = cluster.has("connect_timeout") ? cluster.get("connect_timeout") : cluster.get("connectTimeout");
        timeouts.put(name, timeout == null || timeout.isNull() ? Optional.empty() : Optional.of(ProtoDuration.parse(timeout.asText())));
    }

    /** {@code type.googleapis.com/envoy.admin.v3.X} → {@code envoy.admin.v3.X}. */
    private static String typeOf(JsonNode node) {
        String type = node.path("@type").asText("");
        int slash = type.lastIndexOf('/');
        return slash >= 0 ? type.substring(slash + 1) : type;
    }
}
