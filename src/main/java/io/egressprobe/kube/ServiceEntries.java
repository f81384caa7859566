package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a ServiceEntry asks the probe to watch: one endpoint per host and TLS or HTTPS port. Wildcard
 * hosts name no single host to connect to and are skipped; plain-text ports have no handshake to time.
 * Pure.
 */
public final class ServiceEntries {
    private static final Set<String> TLS_PROTOCOLS = Set.of("TLS", "HTTPS");
    static final int MAX_NAME = 63;

    /**
     * A host and port to probe, and the ServiceEntry it came from ({@code namespace/name}).
     *
     * @param waypointLabels the ServiceEntry's labels {@link UseWaypoint} reads (its own binding to a waypoint)
     */
    public record Endpoint(String name, String host, int port, String source, Map<String, String> waypointLabels) {
        public Endpoint {
            waypointLabels = UseWaypoint.read(waypointLabels);
        }

        public Endpoint(String name, String host, int port, String source) {
            this(name, host, port, source, Map.of());
        }

        /** The ServiceEntry's namespace. */
        public String namespace() {
            return source.substring(0, Math.max(0, source.indexOf('/')));
        }

        /** The waypoint it takes, given its namespace's labels where they were read. */
        public Optional<UseWaypoint.Waypoint> waypoint(Optional<Map<String, String>> namespaceLabels) {
            return UseWaypoint.forService(waypointLabels, namespace(), namespaceLabels);
        }

        /** Whether its namespace's labels decide its waypoint (it has no {@code istio.io/use-waypoint} of its own). */
        public boolean namespaceDecides() {
            return UseWaypoint.namespaceDecides(waypointLabels);
        }
    }

    private ServiceEntries() {}

    public static List<Endpoint> endpoints(String namespace, String name, JsonNode spec) {
        return endpoints(namespace, name, Map.of(), spec);
    }

    /**
     * The same, with the ServiceEntry's labels: {@code istio.io/use-waypoint} binds its hosts to a waypoint, else its
     * namespace's label does ({@link Endpoint#waypoint(Optional)}, with {@link NamespaceLabels}).
     */
    public static List<Endpoint> endpoints(String namespace, String name, Map<String, String> labels, JsonNode spec) {
        Map<String, String> waypoint = UseWaypoint.read(labels);
        List<Endpoint> result = new ArrayList<>();
        for (JsonNode hostNode : spec.path("hosts")) {
            String host = hostNode.asText().toLowerCase(Locale.ROOT);
            if (host.isEmpty() || host.contains("*")) {
                continue;
            }
            for (JsonNode port : spec.path("ports")) {
                int number = port.path("number").asInt(-1);
                if (number > 0 && TLS_PROTOCOLS.contains(port.path("protocol").asText().toUpperCase(Locale.ROOT))) {
                    result.add(new Endpoint(targetName(host, number), host, number, namespace + "/" + name, waypoint));
                }
            }
        }
        return result;
    }

    /**
     * {@code <host with dashes>-<port>}: readable, the same on every node and across restarts, and a valid
     * target name; names too long for a label value end in a hash of the whole.
     */
    static String targetName(String host, int port) {
        String name = (host.replaceAll("[^a-z0-9]", "-") + "-" + port).replaceAll("-+", "-");
        if (name.length() <= MAX_NAME) {
            return name;
        }
        String hash = ShortHash.of(name, 4);
        return name.substring(0, MAX_NAME - hash.length() - 1) + "-" + hash;
    }
}
