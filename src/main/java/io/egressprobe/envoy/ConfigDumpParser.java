package io.egressprobe.envoy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.measure.GoDuration;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * Reads cluster connect timeouts from {@code /config_dump}, in every form the admin API answers: the
 * full dump (a {@code ClustersConfigDump} among other configs), the {@code resource=dynamic_active_clusters}
 * form (one {@code DynamicCluster} per element) and its {@code mask}ed variant. Elements are recognised
 * by {@code @type}, never by position: Envoy 1.13 and later name them {@code envoy.admin.v3.*}, Envoy before it
 * (Istio up to 1.4) {@code envoy.admin.v2alpha.*} with the same fields. snake_case and camelCase keys are both
 * accepted. An answer without a single cluster is an error, never an empty success: every sidecar has clusters, so
 * none found means a form this parser does not know, and the timeouts must come from the next source. Pure.
 */
public final class ConfigDumpParser {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> ADMIN_PACKAGES = List.of("envoy.admin.v3.", "envoy.admin.v2alpha.");
    private static final String CLUSTERS_DUMP = "ClustersConfigDump";
    private static final String DYNAMIC_CLUSTER = "ClustersConfigDump.DynamicCluster";
    private static final String STATIC_CLUSTER = "ClustersConfigDump.StaticCluster";

    private ConfigDumpParser() {}

    /** @throws IllegalArgumentException when the answer is not a config dump, or one without clusters */
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
        Set<String> types = new TreeSet<>();
        for (JsonNode config : root.get("configs")) {
            String type = typeOf(config);
            types.add(config.path("@type").asText("(none)"));
            if (type.equals(CLUSTERS_DUMP)) {
                for (String list : new String[] {"static_clusters", "staticClusters", "dynamic_active_clusters",
                        "dynamicActiveClusters"}) {
                    config.path(list).forEach(entry -> add(entry.path("cluster"), timeouts));
                }
            } else if (type.equals(DYNAMIC_CLUSTER) || type.equals(STATIC_CLUSTER)) {
                add(config.path("cluster"), timeouts);
            }
        }
        if (timeouts.isEmpty()) {
            throw new IllegalArgumentException("no clusters in the config dump (its configs' @type: "
                    + (types.isEmpty() ? "none" : String.join(", ", types)) + ")");
        }
        return new ClusterTimeouts(timeouts);
    }

    private static void add(JsonNode cluster, Map<String, Optional<Duration>> timeouts) {
        String name = cluster.path("name").asText("");
        if (name.isEmpty()) {
            return;
        }
        JsonNode timeout = cluster.has("connect_timeout") ? cluster.get("connect_timeout") : cluster.get("connectTimeout");
        timeouts.put(name, timeout == null || timeout.isNull() ? Optional.empty() : Optional.of(GoDuration.parse(timeout.asText())));
    }

    /** {@code type.googleapis.com/envoy.admin.v3.X} (or {@code v2alpha}) → {@code X}; "" for another package. */
    private static String typeOf(JsonNode node) {
        String type = node.path("@type").asText("");
        String name = type.substring(type.lastIndexOf('/') + 1);
        for (String admin : ADMIN_PACKAGES) {
            if (name.startsWith(admin)) {
                return name.substring(admin.length());
            }
        }
        return "";
    }
}
