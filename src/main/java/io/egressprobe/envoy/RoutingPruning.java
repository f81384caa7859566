package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import java.util.Set;

/**
 * What routing needs of a config dump answer, kept while it streams ({@link PrunedTree}). Every element dropped here is
 * one Envoy could never use for a target's connection, so what is kept decides exactly as the whole answer would:
 * <ul>
 *   <li>a listener of another port (Istio names them {@code <address>_<port>}; {@code virtualOutbound} is kept);</li>
 *   <li>a filter chain whose {@code destination_port} is another port, or whose {@code server_names} name none of the
 *       targets' SNIs: Envoy's filter-chain match never selects it for them;</li>
 *   <li>a virtual host none of whose {@code domains} matches a target's host: Envoy's virtual host selection never
 *       picks it; a route config with no virtual host left;</li>
 *   <li>a cluster routing does not name ({@link #clusters}).</li>
 * </ul>
 * Fields never read anywhere (HTTP filters, access logs, the bootstrap, secrets) are skipped unbuilt. Array and field names
 * are compared in snake_case: some tools print Envoy's JSON in camelCase.
 */
final class RoutingPruning implements PrunedTree.Pruning {
    private static final Set<String> NEVER_READ = Set.of("http_filters", "access_log", "typed_per_filter_config",
            "bootstrap", "dynamic_active_secrets", "dynamic_warming_secrets", "static_secrets", "tracing");
    private static final Set<String> LISTENER_ARRAYS = Set.of("dynamic_listeners", "static_listeners",
            "dynamic_active_listeners");

    private final SidecarQuestion question;
    /** The question's ports, asked of every listener and chain of an answer: gathered once. */
    private final Set<Integer> ports;
    private final Set<String> clusters;

    private RoutingPruning(SidecarQuestion question, Set<String> clusters) {
        this.question = question;
        this.ports = question.ports();
        this.clusters = clusters;
    }

    /** For the listeners and route configs: no cluster is kept. */
    static RoutingPruning listenersAndRoutes(SidecarQuestion question) {
        return new RoutingPruning(question, Set.of());
    }

    /** For the clusters: those named, and no listener or route config. */
    static RoutingPruning clusters(SidecarQuestion question, Set<String> names) {
        return new RoutingPruning(question, Set.copyOf(names));
    }

    private boolean forListeners() {
        return clusters.isEmpty();
    }

    @Override
    public boolean skipField(String field) {
        return NEVER_READ.contains(snake(field));
    }

    @Override
    public boolean keepNamed(String array, String kind, String name) {
        String a = snake(array);
        if (!a.equals("configs") && !a.endsWith("clusters") && !a.endsWith("listeners") && !a.endsWith("route_configs")) {
            return true;
        }
        return switch (snake(kind)) {
            case "cluster" -> clusters.contains(name);
            case "route_config" -> forListeners();
            // A DynamicListener's own name (v3), or a v2alpha or static one's listener.name
            case "", "listener" -> forListeners() && listenerWanted(name);
            default -> true;
        };
    }

    @Override
    public boolean keep(String array, JsonNode element) {
        return switch (snake(array)) {
            case "filter_chains" -> chainWanted(element);
            case "virtual_hosts" -> hostWanted(element);
            case "configs", "dynamic_listeners", "static_listeners", "dynamic_active_listeners", "dynamic_active_clusters",
                 "static_clusters", "dynamic_warming_clusters", "dynamic_route_configs", "static_route_configs" ->
                    resourceWanted(snake(array), element);
            default -> true;
        };
    }

    /** A resource judged whole: one whose name came after its body, a route config by what is left of it. */
    private boolean resourceWanted(String array, JsonNode e) {
        JsonNode cluster = Json.field(e, "cluster");
        if (!cluster.isMissingNode()) {
            return clusters.contains(Json.text(cluster, "name"));
        }
        JsonNode routeConfig = Json.field(e, "route_config");
        if (!routeConfig.isMissingNode()) {
            return forListeners() && !Json.field(routeConfig, "virtual_hosts").isEmpty();
        }
        JsonNode listener = Json.field(e, "active_state").isMissingNode() ? Json.field(e, "listener")
                : Json.field(Json.field(e, "active_state"), "listener");
        if (!listener.isMissingNode() || LISTENER_ARRAYS.contains(array)) {
            return forListeners() && !listener.isMissingNode() && listenerWanted(Json.text(listener, "name"));
        }
        if (!Json.field(e, "name").isMissingNode() && Json.field(e, "@type").asText("").endsWith("DynamicListener")) {
            return false; // warming or draining only: not what connections take now
        }
        return true; // a whole dump's ClustersConfigDump, ListenersConfigDump…: its arrays were judged element by element
    }

    /** {@code virtualOutbound}, a listener of a target's port, or one whose name does not say its port. */
    private boolean listenerWanted(String name) {
        if (name.equals("virtualOutbound")) {
            return true;
        }
        int underscore = name.lastIndexOf('_');
        if (underscore < 0) {
            return !name.equals("virtualInbound");
        }
        try {
            return ports.contains(Integer.parseInt(name.substring(underscore + 1)));
        } catch (NumberFormatException e) {
            return true;
        }
    }

    private boolean chainWanted(JsonNode chain) {
        JsonNode match = Json.field(chain, "filter_chain_match");
        JsonNode port = Json.field(match, "destination_port");
        if (!port.isMissingNode() && !ports.contains(port.isObject() ? port.path("value").asInt() : port.asInt())) {
            return false;
        }
        JsonNode names = Json.field(match, "server_names");
        if (names.isEmpty()) {
            return true;
        }
        for (JsonNode n : names) {
            for (String sni : question.serverNames()) {
                if (io.egressprobe.route.Hosts.matches(n.asText(), sni)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Envoy's domain forms: exact, {@code *}, a {@code *suffix} or a {@code prefix*}, each with or without the port. */
    private boolean hostWanted(JsonNode virtualHost) {
        for (JsonNode d : Json.field(virtualHost, "domains")) {
            String domain = d.asText().toLowerCase(Locale.ROOT);
            for (var dest : question.destinations()) {
                String host = dest.host().toLowerCase(Locale.ROOT);
                for (String name : new String[] {host, host + ":" + dest.port()}) {
                    if (domain.equals("*") || domain.equals(name)
                            || domain.startsWith("*") && name.endsWith(domain.substring(1))
                            || domain.endsWith("*") && name.startsWith(domain.substring(0, domain.length() - 1))) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    static String snake(String name) {
        StringBuilder b = new StringBuilder(name.length() + 4);
        for (char c : name.toCharArray()) {
            if (Character.isUpperCase(c)) {
                b.append('_').append(Character.toLowerCase(c));
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }
}
