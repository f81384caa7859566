package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.GoDuration;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.HttpRetry;
import io.egressprobe.route.UpstreamPick;
import java.time.Duration;
import java.util.ArrayList;
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
    private static final List<String> ADMIN_PACKAGES = List.of("envoy.admin.v3.", "envoy.admin.v2alpha.");
    private static final String CLUSTERS_DUMP = "ClustersConfigDump";
    private static final String DYNAMIC_CLUSTER = "ClustersConfigDump.DynamicCluster";
    private static final String STATIC_CLUSTER = "ClustersConfigDump.StaticCluster";
    private static final String LISTENERS_DUMP = "ListenersConfigDump";
    private static final String DYNAMIC_LISTENER = "ListenersConfigDump.DynamicListener";
    private static final String STATIC_LISTENER = "ListenersConfigDump.StaticListener";
    private static final String ROUTES_DUMP = "RoutesConfigDump";
    private static final String DYNAMIC_ROUTES = "RoutesConfigDump.DynamicRouteConfig";
    private static final String STATIC_ROUTES = "RoutesConfigDump.StaticRouteConfig";

    private ConfigDumpParser() {}

    /** @throws IllegalArgumentException when the answer is not a config dump, or one without clusters */
    public static ClusterTimeouts parse(String body) {
        return parse(Json.answer(body, "configs", "the config dump"));
    }

    /** The same, from an answer already read. */
    public static ClusterTimeouts parse(JsonNode answer) {
        ClusterTimeouts timeouts = parsePruned(answer);
        if (timeouts.timeouts().isEmpty()) {
            Set<String> types = new TreeSet<>();
            answer.get("configs").forEach(config -> types.add(config.path("@type").asText("(none)")));
            throw new IllegalArgumentException("no clusters in the config dump (its configs' @type: "
                    + (types.isEmpty() ? "none" : String.join(", ", types)) + ")");
        }
        return timeouts;
    }

    /**
     * The clusters an answer pruned to the ones routing asked for ({@link RoutingPruning}) holds: none of them may
     * exist (a host the sidecar does not know, a gateway without {@code PassthroughCluster}).
     *
     * @throws IllegalArgumentException when the answer is not a config dump
     */
    static ClusterTimeouts parsePruned(JsonNode answer) {
        JsonNode root = Json.answer(answer, "configs", "the config dump");
        Map<String, Optional<Duration>> timeouts = new LinkedHashMap<>();
        Set<String> tls = new TreeSet<>();
        Map<String, AddressFamily> families = new LinkedHashMap<>();
        Map<String, UpstreamPick> picks = new LinkedHashMap<>();
        Set<String> unknown = new TreeSet<>();
        for (JsonNode config : root.get("configs")) {
            String type = typeOf(config);
            if (type.isEmpty()) {
                unknown.add(config.path("@type").asText("(none)"));
            }
            if (type.equals(CLUSTERS_DUMP)) {
                for (String list : new String[] {"static_clusters", "staticClusters", "dynamic_active_clusters",
                        "dynamicActiveClusters"}) {
                    config.path(list).forEach(entry -> add(entry.path("cluster"), timeouts, tls, families, picks));
                }
            } else if (type.equals(DYNAMIC_CLUSTER) || type.equals(STATIC_CLUSTER)) {
                add(config.path("cluster"), timeouts, tls, families, picks);
            }
        }
        if (timeouts.isEmpty() && !unknown.isEmpty()) {
            // A form this parser does not know: the timeouts must come from the next source, and it must show.
            throw new IllegalArgumentException("no clusters in the config dump (its configs' @type: " + String.join(", ", unknown) + ")");
        }
        return new ClusterTimeouts(timeouts, tls, families, picks);
    }

    /**
     * The listeners and route configs of one or more answers: the full dump, or the {@code resource=dynamic_listeners}
     * and {@code resource=dynamic_route_configs} answers (Envoy 1.13+), in v3 or v2alpha form. An answer without a
     * listener is an error: every sidecar has {@code virtualOutbound}.
     */
    public static SidecarListeners parseListeners(List<String> bodies) {
        SidecarListeners listeners = parseAnswers(bodies.stream().map(body -> Json.answer(body, "configs", "the config dump")).toList());
        if (listeners.listeners().isEmpty()) {
            throw new IllegalArgumentException("no listeners in the config dump");
        }
        return listeners;
    }

    /**
     * The same, from answers already read and pruned to the targets' ports ({@link RoutingPruning}): none may be left
     * (a gateway has no listener of a port it does not serve).
     */
    public static SidecarListeners parseAnswers(List<JsonNode> answers) {
        List<SidecarListeners.Listener> listeners = new ArrayList<>();
        Map<String, SidecarListeners.RouteConfig> routes = new LinkedHashMap<>();
        for (JsonNode answer : answers) {
            for (JsonNode config : Json.answer(answer, "configs", "the config dump").get("configs")) {
                switch (typeOf(config)) {
                    case LISTENERS_DUMP -> {
                        Json.field(config, "static_listeners").forEach(e -> listener(e, listeners));
                        Json.field(config, "dynamic_listeners").forEach(e -> listener(e, listeners));
                        Json.field(config, "dynamic_active_listeners").forEach(e -> listener(e, listeners));
                    }
                    case DYNAMIC_LISTENER, STATIC_LISTENER -> listener(config, listeners);
                    case ROUTES_DUMP -> {
                        Json.field(config, "static_route_configs").forEach(e -> routeConfig(e, routes));
                        Json.field(config, "dynamic_route_configs").forEach(e -> routeConfig(e, routes));
                    }
                    case DYNAMIC_ROUTES, STATIC_ROUTES -> routeConfig(config, routes);
                    default -> { }
                }
            }
        }
        return new SidecarListeners(listeners, routes);
    }

    /** A v3 {@code DynamicListener} ({@code active_state.listener}), or a v2alpha or static one ({@code listener}). */
    private static void listener(JsonNode entry, List<SidecarListeners.Listener> out) {
        JsonNode l = Json.field(Json.field(entry, "active_state"), "listener");
        if (l.isMissingNode()) {
            l = Json.field(entry, "listener");
        }
        if (l.isMissingNode()) {
            return; // warming or draining only: not what connections take now
        }
        JsonNode socket = Json.field(Json.field(l, "address"), "socket_address");
        String name = Json.text(l, "name");
        List<SidecarListeners.Chain> chains = new ArrayList<>();
        Json.field(l, "filter_chains").forEach(c -> chains.add(chain(c)));
        JsonNode fallback = Json.field(l, "default_filter_chain");
        boolean virtualOutbound = name.equals("virtualOutbound") || Json.field(l, "use_original_dst").asBoolean(false);
        out.add(new SidecarListeners.Listener(name, Json.text(socket, "address"), Json.field(socket, "port_value").asInt(-1),
                virtualOutbound, chains, fallback.isMissingNode() ? Optional.empty() : Optional.of(chain(fallback))));
    }

    /** One filter chain (also a listener's {@code default_filter_chain}): what it matches and where it sends. */
    static SidecarListeners.Chain chain(JsonNode chain) {
        List<SidecarListeners.WeightedCluster> clusters = List.of();
        Optional<String> rds = Optional.empty();
        Optional<SidecarListeners.RouteConfig> inline = Optional.empty();
        Optional<String> tunnel = Optional.empty();
        for (JsonNode filter : Json.field(chain, "filters")) {
            String name = Json.text(filter, "name");
            JsonNode config = Json.filterConfig(filter);
            if (name.contains("tcp_proxy")) {
                clusters = clusters(config);
                // Istio writes it from a DestinationRule's trafficPolicy.tunnel (istio/istio
                // pilot/pkg/networking/core/tunnelingconfig/apply.go, Apply): "targetHost:targetPort", asked of the
                // cluster's proxy by HTTP CONNECT (or POST).
                String hostname = Json.text(Json.field(config, "tunneling_config"), "hostname");
                tunnel = hostname.isEmpty() ? Optional.empty() : Optional.of(hostname);
            } else if (name.contains("http_connection_manager")) {
                String routeName = Json.text(Json.field(config, "rds"), "route_config_name");
                rds = routeName.isEmpty() ? Optional.empty() : Optional.of(routeName);
                JsonNode routeConfig = Json.field(config, "route_config");
                inline = routeConfig.isMissingNode() ? Optional.empty() : Optional.of(routeConfig(routeConfig));
            }
        }
        return new SidecarListeners.Chain(match(Json.field(chain, "filter_chain_match")), clusters, rds, inline, tunnel);
    }

    /**
     * {@code filter_chain_match}, every field {@link FilterChainMatcher} decides on.
     *
     * @throws IllegalArgumentException naming the field, for a range that is not an address literal
     */
    static FilterChainMatch match(JsonNode match) {
        List<String> serverNames = new ArrayList<>();
        Json.field(match, "server_names").forEach(n -> serverNames.add(n.asText()));
        List<String> protocols = new ArrayList<>();
        Json.field(match, "application_protocols").forEach(n -> protocols.add(n.asText()));
        List<Integer> sourcePorts = new ArrayList<>();
        Json.field(match, "source_ports").forEach(n -> sourcePorts.add(n.asInt()));
        JsonNode sourceType = Json.field(match, "source_type");
        return new FilterChainMatch(uint32(Json.field(match, "destination_port")), ranges(Json.field(match, "prefix_ranges")),
                serverNames, Json.text(match, "transport_protocol"), protocols,
                ranges(Json.field(match, "direct_source_prefix_ranges")),
                sourceType.isInt() ? FilterChainMatch.SourceType.values()[Math.min(2, sourceType.asInt())]
                        : FilterChainMatch.SourceType.of(sourceType.asText("")),
                ranges(Json.field(match, "source_prefix_ranges")), sourcePorts);
    }

    private static List<FilterChainMatch.Cidr> ranges(JsonNode ranges) {
        List<FilterChainMatch.Cidr> out = new ArrayList<>();
        ranges.forEach(r -> out.add(FilterChainMatch.Cidr.of(Json.text(r, "address_prefix"), uint32(Json.field(r, "prefix_len")))));
        return out;
    }

    /** A {@code google.protobuf.UInt32Value}: a number, or {@code {"value": n}} as some tools print it; absent is 0. */
    private static int uint32(JsonNode value) {
        return value.isObject() ? value.path("value").asInt(0) : value.asInt(0);
    }

    /** {@code cluster}, or {@code weighted_clusters.clusters[]}, of a tcp_proxy or a route action. */
    private static List<SidecarListeners.WeightedCluster> clusters(JsonNode action) {
        String single = Json.text(action, "cluster");
        if (!single.isEmpty()) {
            return List.of(new SidecarListeners.WeightedCluster(single, 1));
        }
        List<SidecarListeners.WeightedCluster> weighted = new ArrayList<>();
        for (JsonNode c : Json.field(Json.field(action, "weighted_clusters"), "clusters")) {
            JsonNode weight = Json.field(c, "weight");
            weighted.add(new SidecarListeners.WeightedCluster(Json.text(c, "name"),
                    weight.isObject() ? weight.path("value").asInt(1) : weight.asInt(1)));
        }
        return List.copyOf(weighted);
    }

    private static void routeConfig(JsonNode entry, Map<String, SidecarListeners.RouteConfig> out) {
        JsonNode config = Json.field(entry, "route_config");
        if (!config.isMissingNode()) {
            SidecarListeners.RouteConfig parsed = routeConfig(config);
            out.put(parsed.name(), parsed);
        }
    }

    static SidecarListeners.RouteConfig routeConfigOf(JsonNode config) {
        return routeConfig(config);
    }

    private static SidecarListeners.RouteConfig routeConfig(JsonNode config) {
        List<SidecarListeners.VirtualHost> hosts = new ArrayList<>();
        for (JsonNode vhost : Json.field(config, "virtual_hosts")) {
            List<String> domains = new ArrayList<>();
            Json.field(vhost, "domains").forEach(d -> domains.add(d.asText()));
            List<SidecarListeners.HttpRoute> routes = new ArrayList<>();
            for (JsonNode route : Json.field(vhost, "routes")) {
                JsonNode action = Json.field(route, "route");
                routes.add(new SidecarListeners.HttpRoute(Json.field(route, "match"), clusters(action),
                        action.isMissingNode() ? HttpRetry.NONE : RetryPolicies.of(action, vhost)));
            }
            hosts.add(new SidecarListeners.VirtualHost(domains, routes));
        }
        return new SidecarListeners.RouteConfig(Json.text(config, "name"), hosts);
    }

    private static void add(JsonNode cluster, Map<String, Optional<Duration>> timeouts, Set<String> tls,
                            Map<String, AddressFamily> families, Map<String, UpstreamPick> picks) {
        String name = cluster.path("name").asText("");
        if (name.isEmpty()) {
            return;
        }
        // An explicit TLS context (Istio's auto-mTLS uses transport_socket_matches instead), and not ISTIO_MUTUAL: the
        // transport socket's, or the v2 tls_context of Envoy before 1.13's API (Istio up to 1.4).
        JsonNode socket = Json.field(cluster, "transport_socket");
        JsonNode context = Json.text(socket, "name").contains("tls") ? Json.filterConfig(socket) : Json.field(cluster, "tls_context");
        if (!context.isMissingNode() && !istioMutual(context)) {
            tls.add(name);
        }
        AddressFamily.ofEnvoy(Json.text(cluster, "dns_lookup_family")).ifPresent(f -> families.put(name, f));
        // The discovery type where the answer holds it (an answer masked without it says nothing: unknown, not STATIC).
        if (cluster.hasNonNull("type")) {
            picks.put(name, UpstreamPick.ofEnvoy(cluster.get("type").asText()));
        } else if (cluster.has("cluster_type") || cluster.has("clusterType")) {
            picks.put(name, UpstreamPick.PROXY_BALANCES); // an extension's (dynamic forward proxy): its own resolution
        }
        JsonNode timeout = cluster.has("connect_timeout") ? cluster.get("connect_timeout") : cluster.get("connectTimeout");
        timeouts.put(name, timeout == null || timeout.isNull() ? Optional.empty() : Optional.of(GoDuration.parse(timeout.asText())));
    }

    /**
     * A DestinationRule's {@code ISTIO_MUTUAL}: the mesh's own mTLS, which the application's TLS passes inside, not TLS
     * originated to the host. Istio builds it with the workload's certificate from SDS resource {@code default} and the
     * mesh root from {@code ROOTCA} (istio/istio {@code pilot/pkg/networking/core/cluster_tls.go},
     * {@code ClusterBuilder.buildUpstreamClusterTLSContext}, case {@code ISTIO_MUTUAL}; the names are
     * {@code pkg/model/authentication.go} {@code SDSDefaultResourceName} and {@code SDSRootResourceName}); before SDS
     * (Istio up to 1.4) from the files Istio mounted, {@code /etc/certs/root-cert.pem} among them. SIMPLE and MUTUAL
     * name the user's own credential or files instead.
     */
    static boolean istioMutual(JsonNode upstreamTlsContext) {
        JsonNode common = Json.field(upstreamTlsContext, "common_tls_context");
        JsonNode combined = Json.field(Json.field(common, "combined_validation_context"), "validation_context_sds_secret_config");
        if (Json.text(combined, "name").equals("ROOTCA")
                || Json.text(Json.field(common, "validation_context_sds_secret_config"), "name").equals("ROOTCA")) {
            return true;
        }
        return Json.text(Json.field(Json.field(common, "validation_context"), "trusted_ca"), "filename")
                .equals("/etc/certs/root-cert.pem");
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
