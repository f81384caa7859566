package io.egressprobe.kube;

import java.util.Map;
import java.util.Optional;

/**
 * Which waypoint carries a service's traffic in an ambient mesh, as istiod decides it: istio/istio
 * {@code pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go}, {@code fetchWaypointForService} and
 * {@code fetchWaypointForTarget} with {@code getUseWaypoint}. The service's own label {@code istio.io/use-waypoint}
 * first ({@code none} opts out, whatever its namespace says), its namespace's label otherwise; the waypoint's namespace
 * is {@code istio.io/use-waypoint-namespace} on the same object, else the service's own namespace. A waypoint's own
 * Service ({@code gateway.istio.io/managed: istio.io-mesh-controller}) has none. Whether the named waypoint exists, is
 * ready and admits the namespace is the control plane's to know: a binding here is what the labels ask for. Pure.
 */
public final class UseWaypoint {
    static final String USE_WAYPOINT = "istio.io/use-waypoint";
    static final String USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";
    static final String GATEWAY_MANAGED = "gateway.istio.io/managed";
    static final String MESH_CONTROLLER = "istio.io-mesh-controller";

    /** A waypoint, {@code namespace/name} of its Gateway. */
    public record Waypoint(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    private UseWaypoint() {}

    /**
     * @param serviceLabels   the ServiceEntry's (or Service's) labels
     * @param namespaceLabels its namespace's labels, where they were read
     */
    public static Optional<Waypoint> forService(Map<String, String> serviceLabels, String serviceNamespace,
                                                Optional<Map<String, String>> namespaceLabels) {
        if (MESH_CONTROLLER.equals(serviceLabels.get(GATEWAY_MANAGED))) {
            return Optional.empty();
        }
        String own = serviceLabels.get(USE_WAYPOINT);
        if (own != null) {
            return named(own, serviceLabels, serviceNamespace);
        }
        return namespaceLabels.flatMap(labels -> Optional.ofNullable(labels.get(USE_WAYPOINT))
                .flatMap(name -> named(name, labels, serviceNamespace)));
    }

    private static Optional<Waypoint> named(String name, Map<String, String> labels, String fallbackNamespace) {
        if (name.equals("none")) {
            return Optional.empty();
        }
        return Optional.of(new Waypoint(labels.getOrDefault(USE_WAYPOINT_NAMESPACE, fallbackNamespace), name));
    }
}
